package import Domain
package import Foundation

/// The authenticated caller of a use case, as their token describes them.
package struct Principal: Hashable, Sendable {
    package var userID: UserID
    package var displayName: String
    package var isAdmin: Bool
    /// The token's id, so logout can revoke it.
    package var tokenID: String
    package var tokenExpiresAt: Date

    package init(userID: UserID, displayName: String, isAdmin: Bool, tokenID: String, tokenExpiresAt: Date) {
        self.userID = userID
        self.displayName = displayName
        self.isAdmin = isAdmin
        self.tokenID = tokenID
        self.tokenExpiresAt = tokenExpiresAt
    }

    package init(claims: TokenClaims) {
        self.init(
            userID: claims.userID, displayName: claims.displayName, isAdmin: claims.isAdmin,
            tokenID: claims.tokenID, tokenExpiresAt: claims.expiresAt)
    }
}
