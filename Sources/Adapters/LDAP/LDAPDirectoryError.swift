package import Domain

/// Why a sign-in against the directory failed: for logs and tests.
///
/// The client sees only `DomainError.invalidCredentials` or `.directoryUnavailable` (`domainError`). The description
/// names the step and libldap's result code; the server's diagnostic text (which may name the entry, never the
/// password) is kept for `debugDescription`.
package struct LDAPDirectoryError: Error, Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What went wrong, as far as the service can act on it.
    package enum Code: String, Hashable, Sendable {
        /// Refused before any network traffic: empty password, or a name or password no directory would accept.
        case refusedInput
        /// The search found no entry.
        case noSuchUser
        /// The search found two or more entries: refused rather than guessing who signs in.
        case ambiguousUser
        /// The user's bind was refused (wrong password, disabled or locked account).
        case invalidCredentials
        /// The service account's bind was refused: a configuration error, not the user's.
        case serviceAccountRefused
        /// TLS could not be set up or the certificate was not trusted.
        case tlsFailure
        /// Connecting failed, the server went away or did not answer in time.
        case unreachable
        /// The directory answered with an error the service cannot act on (bad base DN, bad filter, busy).
        case operationFailed
    }

    /// What went wrong.
    package var code: Code
    /// The step that failed: `input`, `initialize`, `start_tls`, `service_bind`, `search` or `user_bind`.
    package var operation: String
    /// libldap's result code (RFC 4511 result codes, or libldap's negative API codes), when there was one.
    package var resultCode: Int32?
    /// The server's or libldap's diagnostic message, when there was one.
    package var diagnostic: String?

    /// An error at `operation`; `diagnostic` must never contain a password.
    package init(_ code: Code, operation: String, resultCode: Int32? = nil, diagnostic: String? = nil) {
        self.code = code
        self.operation = operation
        self.resultCode = resultCode
        self.diagnostic = diagnostic
    }

    /// What the port reports for this failure.
    package var domainError: DomainError {
        switch self.code {
        case .refusedInput, .noSuchUser, .ambiguousUser, .invalidCredentials:
            .invalidCredentials
        case .serviceAccountRefused, .tlsFailure, .unreachable, .operationFailed:
            .directoryUnavailable
        }
    }

    /// Code, step and result code only: safe for any log.
    package var description: String {
        if let resultCode = self.resultCode {
            return "LDAPDirectoryError.\(self.code.rawValue)(\(self.operation), result \(resultCode))"
        }
        return "LDAPDirectoryError.\(self.code.rawValue)(\(self.operation))"
    }

    /// `description` plus the diagnostic text, which may name the entry (never the password).
    package var debugDescription: String {
        guard let diagnostic = self.diagnostic, !diagnostic.isEmpty else { return self.description }
        return "\(self.description): \(diagnostic)"
    }
}
