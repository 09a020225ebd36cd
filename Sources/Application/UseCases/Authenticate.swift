import Domain

/// Turns a bearer token into the caller: signature, time and revocation are all checked here.
package struct Authenticate: Sendable {
    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    /// Throws `unauthorized` for a missing, malformed, expired, revoked or wrongly signed token.
    package func callAsFunction(token: String?) async throws -> Principal {
        guard let token, !token.isEmpty else { throw DomainError.unauthorized }
        let claims = try self.deps.tokens.verify(token, at: self.deps.clock.now())
        guard try await !self.deps.revocations.isRevoked(tokenID: claims.tokenID) else {
            throw DomainError.unauthorized
        }
        return Principal(claims: claims)
    }
}
