package import HTTPCore
/// A request to send: method, absolute URL, header fields and a body held in memory or read from a file.
package struct HTTPClientRequest: Hashable, Sendable {
    /// Where the body comes from. A file body is read in chunks while it is sent, never loaded whole.
    package enum Body: Hashable, Sendable {
        case none
        case bytes([UInt8])
        /// `length` bytes of the file at `path`, starting at `offset`.
        case file(path: String, offset: Int64, length: Int64)

        package var length: Int64 {
            switch self {
            case .none: 0
            case .bytes(let bytes): Int64(bytes.count)
            case .file(_, _, let length): length
            }
        }
    }

    package var method: String
    package var url: HTTPURL
    /// `Host`, `Content-Length` and `Connection` are added by the client when absent.
    package var headers: HTTPHeaders
    package var body: Body

    package init(method: String, url: HTTPURL, headers: HTTPHeaders = [:], body: Body = .none) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    package init(method: String, url: String, headers: HTTPHeaders = [:], body: Body = .none) throws(HTTPClientError) {
        self.init(method: method, url: try HTTPURL(url), headers: headers, body: body)
    }

    /// Refuses a method or header that would change the request's framing (CR, LF or NUL, or a name or method
    /// that is not an HTTP token).
    func validate() throws(HTTPClientError) {
        guard Self.isToken(self.method) else { throw HTTPClientError(.invalidHeader, note: "method") }
        for field in self.headers {
            guard Self.isToken(field.name),
                !field.value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 })
            else { throw HTTPClientError(.invalidHeader) }
        }
    }

    private static func isToken(_ text: String) -> Bool {
        !text.isEmpty
            && text.utf8.allSatisfy { byte in
                switch byte {
                case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
                case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2D, 0x2E, 0x5E, 0x5F, 0x60, 0x7C, 0x7E: true
                default: false
                }
            }
    }

    /// The request line and header block, CRLF-terminated.
    func serializedHead() -> [UInt8] {
        var text = "\(self.method) \(self.url.target) HTTP/1.1\r\n"
        if !self.headers.contains("Host") { text += "Host: \(self.url.hostHeader)\r\n" }
        for field in self.headers { text += "\(field.name): \(field.value)\r\n" }
        let method = self.method.uppercased()
        let mayOmitLength = method == "GET" || method == "HEAD" || method == "DELETE" || method == "OPTIONS"
        if !self.headers.contains("Content-Length"), !(mayOmitLength && self.body.length == 0) {
            text += "Content-Length: \(self.body.length)\r\n"
        }
        text += "\r\n"
        return Array(text.utf8)
    }
}
