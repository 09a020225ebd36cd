import Application
package import Foundation

/// `RevocationStore` over an `InMemoryDatabase`.
package struct InMemoryRevocationStore: RevocationStore {
    let database: InMemoryDatabase

    package init(database: InMemoryDatabase) {
        self.database = database
    }

    package func revoke(tokenID: String, expiresAt: Date) async throws {
        self.database.mutate { $0.revoked[tokenID] = expiresAt }
    }

    package func isRevoked(tokenID: String) async throws -> Bool {
        self.database.read { $0.revoked[tokenID] != nil }
    }

    @discardableResult
    package func purge(expiredBefore now: Date) async throws -> Int {
        self.database.mutate { state in
            let expired = state.revoked.filter { $0.value <= now }.map(\.key)
            for id in expired { state.revoked[id] = nil }
            return expired.count
        }
    }
}
