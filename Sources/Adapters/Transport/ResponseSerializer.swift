import HTTPCore
/// Renders response heads; the server alone sets the framing headers so a handler cannot break the framing.
enum ResponseSerializer {
    /// The head of `response`. `contentLength` nil means chunked.
    static func head(
        _ response: HTTPResponse,
        contentLength: Int?,
        keepAlive: Bool,
        versionMinor: Int,
        date: [UInt8]
    ) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        out += Array("HTTP/1.1 \(response.status) \(Self.reason(response.status))\r\n".utf8)
        for (name, value) in response.headers {
            // Framing headers are ours; a CR, LF or NUL in a field would let a value inject headers: drop it.
            if HTTPHeaders.equalsIgnoringCase(name, "Content-Length")
                || HTTPHeaders.equalsIgnoringCase(name, "Transfer-Encoding")
                || HTTPHeaders.equalsIgnoringCase(name, "Connection") || HTTPHeaders.equalsIgnoringCase(name, "Date")
            {
                continue
            }
            guard !name.isEmpty, !name.utf8.contains(where: { $0 <= 32 || $0 == 58 || $0 == 127 }),
                !value.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 0 })
            else { continue }
            out += Array(name.utf8)
            out += [58, 32]
            out += Array(value.utf8)
            out += [13, 10]
        }
        out += Array("Date: ".utf8) + date + [13, 10]
        let bodyless = response.status == 204 || response.status == 304 || (100..<200).contains(response.status)
        if !bodyless {
            if let contentLength {
                out += Array("Content-Length: \(contentLength)\r\n".utf8)
            } else {
                out += Array("Transfer-Encoding: chunked\r\n".utf8)
            }
        }
        if !keepAlive {
            out += Array("Connection: close\r\n".utf8)
        } else if versionMinor == 0 {
            out += Array("Connection: keep-alive\r\n".utf8)
        }
        out += [13, 10]
        return out
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 100: "Continue"
        case 101: "Switching Protocols"
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 204: "No Content"
        case 206: "Partial Content"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 304: "Not Modified"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 413: "Content Too Large"
        case 415: "Unsupported Media Type"
        case 422: "Unprocessable Content"
        case 426: "Upgrade Required"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 505: "HTTP Version Not Supported"
        default: "Status"
        }
    }
}
