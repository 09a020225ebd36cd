import Postgres
import TestSupport
import Testing

/// The store contract suites (Tests/TestSupport/Contracts), unchanged, against PostgreSQL: each case gets a fresh,
/// migrated schema and closes its pool when done.
@Suite(TestEnvironment.requires("TEST_DATABASE_URL"))
struct PostgresStoreContractTests {
    func run(_ contract: StoreContract) async throws {
        let database = try await PostgresTestDatabase.make(poolSize: 2, maxOverflow: 2)
        defer { database.pool.close() }
        let stores = database.stores
        try await contract.run(
            StoreBundle(
                users: stores.users, rooms: stores.rooms, messages: stores.messages, files: stores.files,
                notifications: stores.notifications, revocations: stores.revocations))
    }

    @Test(arguments: MessageStoreContract.cases) func messageStore(_ c: StoreContract) async throws {
        try await self.run(c)
    }
    @Test(arguments: RoomStoreContract.cases) func roomStore(_ c: StoreContract) async throws { try await self.run(c) }
    @Test(arguments: UserStoreContract.cases) func userStore(_ c: StoreContract) async throws { try await self.run(c) }
    @Test(arguments: FileStoreContract.cases) func fileStore(_ c: StoreContract) async throws { try await self.run(c) }
    @Test(arguments: NotificationStoreContract.cases) func notificationStore(_ c: StoreContract) async throws {
        try await self.run(c)
    }
    @Test(arguments: RevocationStoreContract.cases) func revocationStore(_ c: StoreContract) async throws {
        try await self.run(c)
    }
    @Test(arguments: CatchingUpContract.cases) func catchingUp(_ c: StoreContract) async throws {
        try await self.run(c)
    }
}
