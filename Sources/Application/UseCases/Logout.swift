package import Foundation

/// Revokes the caller's token at once; the revocation is kept until the token would have expired (and a margin past
/// it), and the sockets opened with the token close, whichever process holds them.
package struct Logout: Sendable {
    /// How long after its expiry a revocation is kept: longer than the clock leeway any token service grants
    /// (the JWT one accepts a token 60 s past `exp`), so a revoked token is never accepted again in that leeway.
    package static let keptPastExpiry: TimeInterval = 300

    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    package func callAsFunction(_ principal: Principal) async throws {
        try await self.deps.revocations.revoke(tokenID: principal.tokenID, expiresAt: principal.tokenExpiresAt)
        try await self.deps.revocations.purge(
            expiredBefore: self.deps.clock.now().addingTimeInterval(-Self.keptPastExpiry))
        await self.deps.bus.publish(.tokenRevoked(tokenID: principal.tokenID))
    }
}
