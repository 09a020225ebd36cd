/// Brings the schema up to date: each missing step of `PostgresMigrations` in its own transaction, recorded in
/// `schema_migrations`, under an advisory lock so processes starting together apply each step once.
package struct PostgresMigrator: Sendable {
    private let pool: PostgresPool

    package init(pool: PostgresPool) {
        self.pool = pool
    }

    /// Applies the missing steps (up to `lastVersion`: tests of an upgrade stop early) and returns their versions
    /// (empty when the schema was current: a no-op).
    ///
    /// The lock key is derived from the schema name, so separate schemas of one database (tests) do not wait on
    /// each other.
    @discardableResult
    package func migrate(through lastVersion: Int = .max) async throws -> [Int] {
        try await self.pool.withConnection { [pool = self.pool] connection in
            // A step can build an index over every message, and a second process waits here for the first's steps:
            // neither is bound by DB_STATEMENT_TIMEOUT, which is the pool's setting again afterwards.
            try connection.execute(script: "SET statement_timeout = 0")
            defer { try? pool.applyStatementTimeout(on: connection) }
            try connection.query(
                "SELECT pg_advisory_lock(hashtext($1 || current_schema()))", [.text("incident-rooms:migrations:")])
            defer {
                _ = try? connection.query(
                    "SELECT pg_advisory_unlock(hashtext($1 || current_schema()))",
                    [.text("incident-rooms:migrations:")])
            }
            try connection.execute(
                script: """
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        version integer PRIMARY KEY,
                        name text NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT now()
                    )
                    """)
            let applied = Set(
                try connection.query("SELECT version::int8 FROM schema_migrations").rows.map {
                    try $0.decode(Int.self, at: 0)
                })
            var done: [Int] = []
            for step in PostgresMigrations.all where !applied.contains(step.version) && step.version <= lastVersion {
                try connection.execute(script: "BEGIN")
                do {
                    try connection.execute(trustedScript: step.sql)
                    try connection.query(
                        "INSERT INTO schema_migrations (version, name) VALUES ($1::int8::int4, $2)",
                        [.int(step.version), .text(step.name)])
                    try connection.execute(script: "COMMIT")
                } catch {
                    try? connection.execute(script: "ROLLBACK")
                    throw error
                }
                done.append(step.version)
            }
            return done
        }
    }
}
