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

    package func search(_ text: String, limit: Int) async throws -> [User] {
        let needle = text.lowercased()
        return self.database.read { state in
            let found = state.users.values.filter { user in
                [user.displayName, user.id.rawValue, user.email].contains { $0.lowercased().contains(needle) }
            }
            return Array(
                found.sorted { ($0.displayName.lowercased(), $0.id) < ($1.displayName.lowercased(), $1.id) }
                    .prefix(max(0, limit)))
        }
    }
}
