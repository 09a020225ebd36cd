/// Why an HTTP exchange failed; the description names only the code, never URLs, headers or bodies.
package struct HTTPClientError: Error, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    package enum Code: Hashable, Sendable {
        case invalidURL
        /// A request header name that is not a token, or a value with CR, LF or NUL (header injection).
        case invalidHeader
        case unsupportedScheme
        case dnsFailure
        case connectFailed
        case connectTimeout
        case readTimeout
        case writeTimeout
        /// The peer closed or reset the connection before the response was complete.
        case connectionClosed
        case tlsFailure
        case malformedResponse
        case headersTooLarge
        case invalidChunk
        case bodyTooLarge
        /// A file request body could not be read, or was shorter than announced.
        case bodyFileUnreadable
        case cancelled
    }

    package var code: Code
    /// The `errno` of the failed system call, when there was one.
    package var errno: Int32?
    /// A short, secret-free note for logs and debugging (a syscall or an OpenSSL reason), never request data.
    package var note: String?

    package init(_ code: Code, errno: Int32? = nil, note: String? = nil) {
        self.code = code
        self.errno = errno
        self.note = note
    }

    /// Whether the failure says the server could not be reached or did not answer in time (not a protocol problem).
    package var isUnreachable: Bool {
        switch self.code {
        case .dnsFailure, .connectFailed, .connectTimeout, .readTimeout, .writeTimeout, .connectionClosed, .tlsFailure:
            true
        case .invalidURL, .invalidHeader, .unsupportedScheme, .malformedResponse, .headersTooLarge, .invalidChunk,
            .bodyTooLarge,
            .bodyFileUnreadable, .cancelled:
            false
        }
    }

    /// Errors of the same code are equal: `errno` and `note` are diagnostics, not identity.
    package static func == (lhs: HTTPClientError, rhs: HTTPClientError) -> Bool { lhs.code == rhs.code }

    package func hash(into hasher: inout Hasher) { hasher.combine(self.code) }

    package var description: String { "HTTPClientError.\(self.code)" }

    package var debugDescription: String {
        "HTTPClientError(\(self.code), errno: \(self.errno.map(String.init) ?? "nil"), note: \(self.note ?? "nil"))"
    }
}
