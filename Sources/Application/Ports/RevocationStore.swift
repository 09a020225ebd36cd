package import Foundation

/// Token ids revoked by logout, kept until the token would have expired anyway.
package protocol RevocationStore: Sendable {
    func revoke(tokenID: String, expiresAt: Date) async throws
    func isRevoked(tokenID: String) async throws -> Bool
    /// Forgets revocations of tokens that have expired by `now`; returns how many.
    @discardableResult
    func purge(expiredBefore now: Date) async throws -> Int
}
