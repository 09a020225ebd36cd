/// Revokes the caller's token at once; the revocation is kept until the token would have expired, and the sockets
/// opened with the token close, whichever process holds them.
package struct Logout: Sendable {
    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    package func callAsFunction(_ principal: Principal) async throws {
        try await self.deps.revocations.revoke(tokenID: principal.tokenID, expiresAt: principal.tokenExpiresAt)
        try await self.deps.revocations.purge(expiredBefore: self.deps.clock.now())
        await self.deps.bus.publish(.tokenRevoked(tokenID: principal.tokenID))
    }
}
