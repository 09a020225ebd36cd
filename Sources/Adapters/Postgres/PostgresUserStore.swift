internal import Application
package import Domain
internal import Foundation

/// `UserStore` on PostgreSQL: the users table, refreshed at every login.
package struct PostgresUserStore: UserStore {
    private let pool: PostgresPool

    package init(pool: PostgresPool) {
        self.pool = pool
    }

    private static let columns = "user_id, display_name, email, is_admin, last_login_at"

    package func upsert(_ user: User) async throws -> User {
        try await self.pool.write { connection in
            guard
                let stored = try connection.query(
                    """
                    INSERT INTO users (user_id, display_name, email, is_admin, last_login_at) VALUES ($1, $2, $3, $4, $5)
                    ON CONFLICT (user_id) DO UPDATE SET display_name = EXCLUDED.display_name,
                        email = EXCLUDED.email, is_admin = EXCLUDED.is_admin, last_login_at = EXCLUDED.last_login_at
                    RETURNING \(Self.columns)
                    """,
                    [
                        .text(user.id.rawValue), .text(user.displayName), .text(user.email), .bool(user.isAdmin),
                        .date(user.lastLoginAt),
                    ]
                ).first.map(Self.decode)
            else { throw PostgresError(.decoding) }
            return stored
        }
    }

    package func user(id: UserID) async throws -> User? {
        try await self.pool.read { connection in
            try connection.query("SELECT \(Self.columns) FROM users WHERE user_id = $1", [.text(id.rawValue)])
                .first.map(Self.decode)
        }
    }

    package func users(ids: [UserID]) async throws -> [UserID: User] {
        guard !ids.isEmpty else { return [:] }
        return try await self.pool.read { connection in
            var users: [UserID: User] = [:]
            for row in try connection.query(
                "SELECT \(Self.columns) FROM users WHERE user_id = ANY($1)", [.textArray(ids.map(\.rawValue))]
            ).rows {
                let user = try Self.decode(row)
                users[user.id] = user
            }
            return users
        }
    }

    package func search(_ text: String, limit: Int) async throws -> [User] {
        let pattern = "%" + PostgresMessageStore.escapeLike(text) + "%"
        return try await self.pool.read { connection in
            try connection.query(
                """
                SELECT \(Self.columns) FROM users
                WHERE display_name ILIKE $1 OR user_id ILIKE $1 OR email ILIKE $1
                ORDER BY lower(display_name), user_id LIMIT $2
                """, [.text(pattern), .int(max(0, limit))]
            ).rows.map(Self.decode)
        }
    }

    private static func decode(_ row: PostgresRow) throws -> User {
        User(
            id: UserID(rawValue: try row.decode(String.self, at: 0)), displayName: try row.decode(String.self, at: 1),
            email: try row.decode(String.self, at: 2), isAdmin: try row.decode(Bool.self, at: 3),
            lastLoginAt: try row.decode(Date?.self, at: 4))
    }
}
