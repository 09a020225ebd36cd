import Application
import Domain
import Foundation
import Synchronization

/// Issues opaque tokens `token-1`, `token-2`, ... valid for `lifetime`; verifies only the ones it issued.
final class FakeTokenService: TokenService {
    let lifetime: TimeInterval
    private let state = Mutex<(issued: [String: TokenClaims], count: Int)>(([:], 0))

    init(lifetime: TimeInterval = 8 * 3600) {
        self.lifetime = lifetime
    }

    /// The claims of every token issued so far, in order.
    var issuedClaims: [TokenClaims] {
        self.state.withLock { state in state.issued.values.sorted { $0.tokenID < $1.tokenID } }
    }

    var issuedCount: Int { self.state.withLock { $0.count } }

    func issue(for user: User, at now: Date) throws -> IssuedToken {
        self.state.withLock { state in
            state.count += 1
            let claims = TokenClaims(
                userID: user.id, displayName: user.displayName, isAdmin: user.isAdmin, issuedAt: now,
                expiresAt: now.addingTimeInterval(self.lifetime), tokenID: "jti-\(state.count)")
            let token = "token-\(state.count)"
            state.issued[token] = claims
            return IssuedToken(token: token, claims: claims)
        }
    }

    func verify(_ token: String, at now: Date) throws -> TokenClaims {
        guard let claims = self.state.withLock({ $0.issued[token] }), now < claims.expiresAt else {
            throw DomainError.unauthorized
        }
        return claims
    }
}
