package import HTTPCore
/// A parsed request line and header section, with the framing decided from them.
package struct HTTPRequestHead: Sendable {
    /// How the body is delimited (RFC 9112 §6.3).
    package enum Framing: Sendable, Equatable {
        case none
        case length(Int)
        case chunked
    }

    /// The method token.
    package var method: HTTPMethod
    /// The raw request target.
    package var target: String
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    package var versionMinor: Int
    /// The header fields.
    package var headers: HTTPHeaders
    /// How the body is delimited.
    package var framing: Framing
    /// Whether the connection may carry another request afterwards.
    package var keepAlive: Bool
    /// `Expect: 100-continue` was sent.
    package var expectsContinue: Bool
}
