/// Why a PostgreSQL operation failed, with the SQLSTATE when the server gave one.
///
/// `description` is redacted on purpose: it never carries SQL, bound values, the server's message text (which can
/// quote values) or the connection string (which can hold a password).
package struct PostgresError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    package enum Code: Sendable, Hashable {
        /// No connection could be opened (server down, refused, bad credentials).
        case connectionFailed
        /// The connection broke while in use (server restart, network cut).
        case connectionLost
        /// The server refused the statement; see `sqlState`.
        case server
        /// No connection became free within the pool timeout.
        case poolTimeout
        /// The pool was shut down.
        case poolClosed
        /// A text parameter held a NUL byte, which the PostgreSQL protocol cannot carry.
        case nulInParameter
        /// A column did not hold what the caller asked for.
        case decoding
        /// A `DATABASE_URL` or pool setting that cannot be used.
        case configuration
    }

    package var code: Code
    /// The five-character SQLSTATE, e.g. `23505` for a unique violation.
    package var sqlState: String?
    /// The violated constraint's name, when the server names one (safe to log: it is schema, not data).
    package var constraint: String?

    package init(_ code: Code, sqlState: String? = nil, constraint: String? = nil) {
        self.code = code
        self.sqlState = sqlState
        self.constraint = constraint
    }

    package var isUniqueViolation: Bool { self.sqlState == "23505" }

    /// Whether the error means the connection can no longer be used and must be replaced.
    package var breaksConnection: Bool {
        switch self.code {
        case .connectionFailed, .connectionLost: true
        case .server:
            // Class 08 is connection exception; 57P01-57P03 are admin/crash shutdown and "cannot connect now".
            self.sqlState.map { $0.hasPrefix("08") || $0.hasPrefix("57P") } ?? false
        case .poolTimeout, .poolClosed, .nulInParameter, .decoding, .configuration: false
        }
    }

    package var description: String {
        var text = "PostgresError.\(self.code)"
        if let sqlState = self.sqlState { text += " (SQLSTATE \(sqlState))" }
        return text
    }

    package var debugDescription: String {
        "PostgresError(\(self.code), sqlState: \(self.sqlState ?? "nil"), constraint: \(self.constraint ?? "nil"))"
    }
}
