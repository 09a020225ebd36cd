internal import Application
package import Foundation

/// `RevocationStore` on PostgreSQL, so a logout holds on every server process.
package struct PostgresRevocationStore: RevocationStore {
    private let pool: PostgresPool

    package init(pool: PostgresPool) {
        self.pool = pool
    }

    package func revoke(tokenID: String, expiresAt: Date) async throws {
        try await self.pool.write { connection in
            _ = try connection.query(
                """
                INSERT INTO revoked_tokens (token_id, expires_at) VALUES ($1, $2)
                ON CONFLICT (token_id) DO UPDATE SET expires_at = EXCLUDED.expires_at
                """, [.text(tokenID), .date(expiresAt)])
        }
    }

    package func isRevoked(tokenID: String) async throws -> Bool {
        try await self.pool.read { connection in
            try connection.query("SELECT 1 FROM revoked_tokens WHERE token_id = $1", [.text(tokenID)]).rowCount > 0
        }
    }

    @discardableResult
    package func purge(expiredBefore now: Date) async throws -> Int {
        try await self.pool.write { connection in
            try connection.query("DELETE FROM revoked_tokens WHERE expires_at <= $1", [.date(now)]).affectedRows
        }
    }
}
