/// A request the parser refuses, with the status and error code to answer it with; the connection then closes.
package struct HTTPParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// 400, 413, 431, 501 or 505.
    package var status: Int
    /// The `error.code` of the JSON body (`invalid_request` ...).
    package var code: String
    /// A short human explanation.
    package var message: String

    /// An error answered with `status` and the JSON error body.
    package init(status: Int, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    static func bad(_ message: String) -> HTTPParseError {
        HTTPParseError(status: 400, code: "invalid_request", message: message)
    }

    static let headersTooLarge = HTTPParseError(
        status: 431,
        code: "request_header_fields_too_large",
        message: "the request line and headers exceed 16384 bytes"
    )

    /// `status code: message`.
    package var description: String { "\(self.status) \(self.code): \(self.message)" }
}
