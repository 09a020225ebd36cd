/// Why a token was refused: for logs and tests only.
///
/// Every code reaches the client as the same `DomainError.unauthorized`, so a forger learns nothing about which
/// check failed. The description names the check, never the token, a claim value or a key.
package struct TokenVerificationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The check that failed.
    package enum Code: String, Hashable, Sendable {
        /// Over the 8 KB limit; refused before any decoding.
        case tooLarge
        /// Not three base64url segments of JSON objects.
        case malformed
        /// `alg` missing or anything but `HS256`.
        case unsupportedAlgorithm
        /// `kid` names no key of the keyring, or is not a string.
        case unknownKey
        /// A header parameter the service must understand but does not (`crit`), or a wrong `typ`.
        case unsupportedHeader
        case badSignature
        /// A claim the service needs is missing or has the wrong type.
        case invalidClaims
        case expired
        /// `nbf` is in the future.
        case notYetValid
        /// `iat` is in the future, beyond the leeway.
        case issuedInFuture
    }

    /// The check that failed.
    package var code: Code

    /// A refusal by the check `code`.
    package init(_ code: Code) {
        self.code = code
    }

    /// The check's name only.
    package var description: String { "TokenVerificationError.\(self.code.rawValue)" }
}
