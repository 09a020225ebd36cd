package import Domain
package import Foundation

/// Issues and verifies signed access tokens (HS256 JWTs in production).
package protocol TokenService: Sendable {
    func issue(for user: User, at now: Date) throws -> IssuedToken
    /// Checks signature, algorithm, shape and time. Throws `DomainError.unauthorized` for any bad token.
    /// Revocation is checked by the caller against `RevocationStore`.
    func verify(_ token: String, at now: Date) throws -> TokenClaims
}

package struct IssuedToken: Hashable, Sendable {
    package var token: String
    package var claims: TokenClaims

    package init(token: String, claims: TokenClaims) {
        self.token = token
        self.claims = claims
    }
}

/// The claims the service relies on.
package struct TokenClaims: Hashable, Sendable {
    package var userID: UserID
    package var displayName: String
    package var isAdmin: Bool
    package var issuedAt: Date
    package var expiresAt: Date
    /// The token's unique id (`jti`), used to revoke it.
    package var tokenID: String

    package init(
        userID: UserID, displayName: String, isAdmin: Bool, issuedAt: Date, expiresAt: Date, tokenID: String
    ) {
        self.userID = userID
        self.displayName = displayName
        self.isAdmin = isAdmin
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.tokenID = tokenID
    }
}
