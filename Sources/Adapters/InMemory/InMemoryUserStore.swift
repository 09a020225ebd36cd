import Application
package import Domain

/// `UserStore` over an `InMemoryDatabase`.
package struct InMemoryUserStore: UserStore {
    let database: InMemoryDatabase

    package init(database: InMemoryDatabase) {
        self.database = database
    }

    package func upsert(_ user: User) async throws -> User {
        self.database.mutate { $0.users[user.id] = user }
        return user
    }

    package func user(id: UserID) async throws -> User? {
        self.database.read { $0.users[id] }
    }

    package func users(ids: [UserID]) async throws -> [UserID: User] {
        self.database.read { state in
            var found: [UserID: User] = [:]
            for id in ids { found[id] = state.users[id] }
            return found
        }
    }
}
