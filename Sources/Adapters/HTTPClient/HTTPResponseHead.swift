package import HTTPCore
/// The status line and header fields of a response.
package struct HTTPResponseHead: Hashable, Sendable {
    package var status: Int
    package var reason: String
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    package var minorVersion: Int
    package var headers: HTTPHeaders

    package init(status: Int, reason: String, minorVersion: Int = 1, headers: HTTPHeaders) {
        self.status = status
        self.reason = reason
        self.minorVersion = minorVersion
        self.headers = headers
    }
}

/// A whole response with its body collected in memory.
package struct HTTPClientResponse: Hashable, Sendable {
    package var status: Int
    package var headers: HTTPHeaders
    package var body: [UInt8]

    package init(status: Int, headers: HTTPHeaders, body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The body decoded as UTF-8 (invalid sequences replaced).
    package var bodyText: String { String(decoding: self.body, as: UTF8.self) }
}
