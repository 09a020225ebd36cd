package import HTTPCore
/// A response produced by a route handler.
package struct HTTPResponse: Sendable {
    /// The status code.
    package var status: Int
    /// The header fields; `Content-Length`, `Transfer-Encoding`, `Date` and `Connection` are set by the server.
    package var headers: HTTPHeaders
    /// The body.
    package var body: Body

    /// A body given whole, or written piece by piece with chunked encoding.
    package enum Body: Sendable {
        case bytes([UInt8])
        /// The closure writes the body; the server sends it chunked and applies backpressure to `write`.
        case stream(@Sendable (ResponseBodyWriter) async throws -> Void)
    }

    /// A response with the given status, headers and body.
    package init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: Body = .bytes([])) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON response from UTF-8 bytes.
    package static func json(_ status: Int, _ utf8: [UInt8]) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: .bytes(utf8))
    }

    /// A text response.
    package static func text(
        _ status: Int,
        _ s: String,
        contentType: String = "text/plain; charset=utf-8"
    )
        -> HTTPResponse
    {
        HTTPResponse(status: status, headers: ["Content-Type": contentType], body: .bytes(Array(s.utf8)))
    }

    /// A response without a body.
    package static func empty(_ status: Int) -> HTTPResponse {
        HTTPResponse(status: status)
    }

    /// The project's error shape, `{"error":{"code":...,"message":...}}`, used for transport-level errors.
    package static func error(_ status: Int, code: String, message: String) -> HTTPResponse {
        let body = "{\"error\":{\"code\":\"\(JSONText.escape(code))\",\"message\":\"\(JSONText.escape(message))\"}}"
        return .json(status, Array(body.utf8))
    }
}
