/// Every PostgreSQL store over one pool: what the composition root builds from `DATABASE_URL` and `DB_*`.
///
/// ```swift
/// let pool = PostgresPool(configuration: try PostgresConfiguration(environment: environment))
/// try await PostgresMigrator(pool: pool).migrate()
/// let stores = PostgresStores(pool: pool)
/// ```
package struct PostgresStores: Sendable {
    package let pool: PostgresPool
    package let users: PostgresUserStore
    package let rooms: PostgresRoomStore
    package let messages: PostgresMessageStore
    package let files: PostgresFileStore
    package let notifications: PostgresNotificationStore
    package let revocations: PostgresRevocationStore

    package init(pool: PostgresPool) {
        self.pool = pool
        self.users = PostgresUserStore(pool: pool)
        self.rooms = PostgresRoomStore(pool: pool)
        self.messages = PostgresMessageStore(pool: pool)
        self.files = PostgresFileStore(pool: pool)
        self.notifications = PostgresNotificationStore(pool: pool)
        self.revocations = PostgresRevocationStore(pool: pool)
    }

    /// Whether the database answers (`GET /readyz`).
    package func isReachable() async -> Bool {
        (try? await self.pool.withConnection { connection in try connection.query("SELECT 1").rowCount == 1 }) ?? false
    }
}
