import Application
import Domain
import Foundation
import Postgres
import TestSupport
import Testing

@Suite(TestEnvironment.requires("TEST_DATABASE_URL"))
struct PostgresPoolTests {
    @Test func exhaustedPoolTimesOutWithUnavailable() async throws {
        let database = try await PostgresTestDatabase.make(poolSize: 1, maxOverflow: 1, poolTimeout: 0.3)
        defer { database.pool.close() }
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    try await database.pool.withConnection { _ = try $0.query("SELECT pg_sleep(1.5)") }
                }
            }
            // Both connections are busy for 1.5 s; a third caller gives up after 0.3 s.
            try await Task.sleep(for: .milliseconds(200))
            await #expect {
                try await database.pool.withConnection { _ = try $0.query("SELECT 1") }
            } throws: { error in
                (error as? PostgresError)?.code == .poolTimeout
            }
            // Through a store, the same situation is `unavailable` (503).
            await #expect(throws: DomainError.unavailable) {
                _ = try await database.stores.users.user(id: UserID("nobody@example.com"))
            }
            #expect(started.duration(to: .now) < .seconds(1.4), "the waiters did not wait for the sleepers")
            try await group.waitForAll()
        }
        // Once the sleepers are done the pool serves again.
        let one = try await database.pool.withConnection {
            try $0.query("SELECT 1::int8").first?.decode(Int.self, at: 0)
        }
        #expect(one == 1)
    }

    @Test func overflowConnectionsCloseWhenGivenBack() async throws {
        let database = try await PostgresTestDatabase.make(poolSize: 2, maxOverflow: 3)
        defer { database.pool.close() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<5 {
                group.addTask { try await database.pool.withConnection { _ = try $0.query("SELECT pg_sleep(0.3)") } }
            }
            try await group.waitForAll()
        }
        let statistics = database.pool.statistics
        #expect(statistics.open == 2)
        #expect(statistics.idle == 2)
    }

    @Test func aConnectionKilledByTheServerIsReplaced() async throws {
        let database = try await PostgresTestDatabase.make(poolSize: 1, maxOverflow: 0)
        defer { database.pool.close() }
        let pid = try await database.pool.withConnection {
            try $0.query("SELECT pg_backend_pid()::int8").first?.decode(Int64.self, at: 0)
        }
        let killer = database.secondPool(poolSize: 1, maxOverflow: 0)
        defer { killer.close() }
        try await killer.withConnection { _ = try $0.query("SELECT pg_terminate_backend($1::int8::int4)", [.int(pid)]) }
        // The pooled connection is dead; the next operation notices at its first statement and retries on a new one.
        let newPID = try await database.pool.withConnection {
            try $0.query("SELECT pg_backend_pid()::int8").first?.decode(Int64.self, at: 0)
        }
        #expect(newPID != nil && newPID != pid)
    }

    @Test func recycledConnectionsAreReplaced() async throws {
        let base = try TestEnvironment.require("TEST_DATABASE_URL")
        let pool = PostgresPool(
            configuration: PostgresConfiguration(url: base, poolSize: 1, maxOverflow: 0, recycle: 0.2))
        defer { pool.close() }
        let first = try await pool.withConnection {
            try $0.query("SELECT pg_backend_pid()::int8").first?.decode(Int64.self, at: 0)
        }
        try await Task.sleep(for: .milliseconds(300))
        let second = try await pool.withConnection {
            try $0.query("SELECT pg_backend_pid()::int8").first?.decode(Int64.self, at: 0)
        }
        #expect(first != second)
    }

    @Test func aFailedTransactionStoresNothingAndTheConnectionIsReused() async throws {
        let database = try await PostgresTestDatabase.make(poolSize: 1, maxOverflow: 0)
        defer { database.pool.close() }
        await #expect(throws: PostgresError.self) {
            try await database.pool.transaction { connection in
                _ = try connection.query(
                    "INSERT INTO revoked_tokens (token_id, expires_at) VALUES ('a', now())")
                _ = try connection.query("SELECT 1/0")
            }
        }
        let count = try await database.pool.withConnection {
            try $0.query("SELECT count(*) FROM revoked_tokens").first?.decode(Int.self, at: 0)
        }
        #expect(count == 0)
    }

    @Test func migrationsAreIdempotentAndSafeToRunConcurrently() async throws {
        let database = try await PostgresTestDatabase.make(migrate: false)
        defer { database.pool.close() }
        let other = database.secondPool()
        defer { other.close() }
        async let first = PostgresMigrator(pool: database.pool).migrate()
        async let second = PostgresMigrator(pool: other).migrate()
        let applied = try await [first, second]
        #expect(applied.flatMap { $0 } == PostgresMigrations.all.map(\.version), "each step applied exactly once")
        #expect(try await PostgresMigrator(pool: database.pool).migrate() == [])
        let versions = try await database.pool.withConnection {
            try $0.query("SELECT version::int8 FROM schema_migrations ORDER BY version").rows.map {
                try $0.decode(Int.self, at: 0)
            }
        }
        #expect(versions == PostgresMigrations.all.map(\.version))
    }

    @Test func theGINIndexesMergeTheirPendingListsAt512KB() async throws {
        let database = try await PostgresTestDatabase.make()
        defer { database.pool.close() }
        let options = try await database.pool.withConnection {
            try $0.query(
                """
                SELECT relname::text, array_to_string(reloptions, ',') FROM pg_class
                WHERE relnamespace = current_schema()::regnamespace
                    AND relname IN ('messages_search', 'messages_search_bigram_keys', 'messages_readings')
                ORDER BY relname
                """
            ).rows.map { "\(try $0.decode(String.self, at: 0)): \(try $0.decode(String.self, at: 1))" }
        }
        #expect(
            options == [
                "messages_readings: gin_pending_list_limit=512", "messages_search: gin_pending_list_limit=512",
                "messages_search_bigram_keys: gin_pending_list_limit=512",
            ])
    }
}
