import Application
import Domain
import Foundation
import Postgres
import TestSupport
import Testing

/// The presence contract against PostgreSQL, with two registries (two process ids) on one fresh schema, and what
/// only a shared registry has to do: forget a process that stopped, once, and recover from being forgotten.
@Suite(TestEnvironment.requires("TEST_DATABASE_URL"))
struct PostgresPresenceRegistryTests {
    static let start = Date(timeIntervalSince1970: 1_795_000_000)

    @Test(arguments: PresenceRegistryContract.cases) func presence(_ c: PresenceContract) async throws {
        let database = try await PostgresTestDatabase.make(poolSize: 4, maxOverflow: 4)
        defer { database.pool.close() }
        try await c.run(
            PresencePair(
                first: PostgresPresenceRegistry(pool: database.pool),
                second: PostgresPresenceRegistry(pool: database.pool)))
    }

    @Test func aStoppedProcessesUsersLeaveOnceAfterTheExpiry() async throws {
        let database = try await PostgresTestDatabase.make(poolSize: 4, maxOverflow: 4)
        defer { database.pool.close() }
        let dying = PostgresPresenceRegistry(pool: database.pool, expiry: 30)
        let survivors = [
            PostgresPresenceRegistry(pool: database.pool, expiry: 30),
            PostgresPresenceRegistry(pool: database.pool, expiry: 30),
        ]
        let room = RoomID(uuid: UUID())
        let (alice, bob) = (UserID("alice@example.com"), UserID("bob@example.com"))
        _ = await dying.connect(1, user: alice, displayName: "Alice", room: room, at: Self.start)
        _ = await dying.connect(2, user: bob, displayName: "Bob", room: room, at: Self.start)
        _ = await survivors[0].connect(1, user: bob, displayName: "Bob", room: room, at: Self.start)
        #expect(await dying.expireStaleConnections(at: Self.start).isEmpty)

        // The dying process heartbeats no more. Within the expiry nobody leaves.
        for registry in survivors {
            #expect(await registry.expireStaleConnections(at: Self.start.addingTimeInterval(29)).isEmpty)
        }
        #expect(await survivors[1].online(in: room).count == 2)
        // After it, Alice (connected only there) leaves, announced by exactly one survivor; Bob stays.
        let later = Self.start.addingTimeInterval(31)
        async let first = survivors[0].expireStaleConnections(at: later)
        async let second = survivors[1].expireStaleConnections(at: later)
        let left = await first + second
        #expect(left.map(\.room) == [room])
        #expect(left.map(\.entry.userID) == [alice])
        #expect(await survivors[1].online(in: room).map(\.userID) == [bob])
        #expect(await survivors[0].expireStaleConnections(at: later.addingTimeInterval(1)).isEmpty)

        // The "dead" process was only cut off: at its next heartbeat it writes its connections again.
        #expect(await dying.expireStaleConnections(at: later.addingTimeInterval(2)).isEmpty)
        #expect(Set(await survivors[0].online(in: room).map(\.userID)) == [alice, bob])
        #expect(await dying.disconnect(1, user: alice, room: room))
        #expect(!(await dying.disconnect(2, user: bob, room: room)))
        #expect(await survivors[0].online(in: room).map(\.userID) == [bob])
    }
}
