import Application
import Domain
import Foundation
@testable import Postgres
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Finding 21 of the hardening issue: a database that accepts the connection and then never answers (a hung server,
/// a black-holed route) must not hold a pool thread for ever.
struct PostgresTimeoutTests {
    /// A TCP port that completes the handshake (the kernel does, from the backlog) and then says nothing.
    final class SilentListener {
        let fd: Int32
        let port: Int

        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard bound == 0, listen(fd, 16) == 0 else {
                close(fd)
                throw POSIXError(.EADDRINUSE)
            }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            self.fd = fd
            self.port = Int(UInt16(bigEndian: address.sin_port))
        }

        deinit { close(self.fd) }
    }

    @Test func connectingToADatabaseThatNeverAnswersFailsWithinTheConnectTimeout() async throws {
        let listener = try SilentListener()
        let url = "postgres://app:secret@127.0.0.1:\(listener.port)/incidents"
        let started = ContinuousClock.now
        let outcome = await Task.detached { () -> Result<Void, PostgresError> in
            Result { () throws(PostgresError) in _ = try PostgresConnection(url: url) }
        }.value
        let waited = ContinuousClock.now - started
        guard case .failure(let error) = outcome else {
            Issue.record("a silent server cannot have accepted the connection")
            return
        }
        #expect(error.code == .connectionFailed)
        // The default connect_timeout is 5 s; without it libpq waits for ever.
        #expect(waited < .seconds(20), "waited \(waited)")
        withExtendedLifetime(listener) {}
    }

    /// A statement held up (here by a lock another session keeps, as a `LOCK TABLE` typed in psql would) is
    /// cancelled after DB_STATEMENT_TIMEOUT and its request answered 503; once the lock is gone, writes go through.
    @Test(TestEnvironment.requires("TEST_DATABASE_URL"))
    func aStatementHeldUpPastTheStatementTimeoutIsUnavailable() async throws {
        let database = try await PostgresTestDatabase.make(statementTimeout: 0.3)
        defer { database.pool.close() }
        let fixture = StoreFixture(stores: database.stores)
        let room = try await fixture.makeRoom()
        let locker = database.secondPool(poolSize: 1, maxOverflow: 0)
        defer { locker.close() }
        let locked = SharedCount()
        let holder = Task {
            try await locker.withConnection { connection in
                try connection.execute(script: "BEGIN")
                try connection.execute(script: "LOCK TABLE messages IN ACCESS EXCLUSIVE MODE")
                locked.increment()
                Thread.sleep(forTimeInterval: 2)
                try connection.execute(script: "ROLLBACK")
            }
        }
        #expect(await eventually { locked.value == 1 })
        let started = ContinuousClock.now
        await #expect(throws: DomainError.unavailable) {
            _ = try await database.stores.messages.append([
                fixture.newText(in: room, sender: "a@example.com", text: "x")
            ])
        }
        #expect(ContinuousClock.now - started < .seconds(1.5))
        try await holder.value
        let stored = try await database.stores.messages.append([
            fixture.newText(in: room, sender: "a@example.com", text: "after")
        ])
        #expect(stored.first?.message != nil)
    }

    /// Migrations are not bound by the statement timeout: a process starting beside another waits for the other's
    /// steps (here a session holds the migration lock for longer than the timeout), and a step can build an index
    /// over every message. The pool's connections are bound again afterwards.
    @Test(TestEnvironment.requires("TEST_DATABASE_URL"))
    func migrationsRunPastTheStatementTimeoutAndTheTimeoutHoldsAfterwards() async throws {
        let database = try await PostgresTestDatabase.make(
            poolSize: 1, maxOverflow: 0, statementTimeout: 0.05, migrate: false)
        defer { database.pool.close() }
        let other = database.secondPool(poolSize: 1, maxOverflow: 0)
        defer { other.close() }
        let locked = SharedCount()
        let holder = Task {
            try await other.withConnection { connection in
                _ = try connection.query(
                    "SELECT pg_advisory_lock(hashtext($1 || current_schema()))", [.text("incident-rooms:migrations:")])
                locked.increment()
                Thread.sleep(forTimeInterval: 0.4)
                _ = try connection.query(
                    "SELECT pg_advisory_unlock(hashtext($1 || current_schema()))",
                    [.text("incident-rooms:migrations:")])
            }
        }
        #expect(await eventually { locked.value == 1 })
        let applied = try await PostgresMigrator(pool: database.pool).migrate()
        try await holder.value
        #expect(applied.last == PostgresMigrations.all.last?.version)
        await #expect(throws: DomainError.unavailable) {
            try await database.pool.withConnection { connection in
                do {
                    _ = try connection.query("SELECT pg_sleep(0.2)")
                } catch {
                    throw PostgresPool.domainError(for: error)
                }
            }
        }
    }
}
