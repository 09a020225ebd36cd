import InMemory
import TestSupport
import Testing

/// The store contract suites, run against the in-memory adapters.
struct InMemoryStoreContractTests {
    let stores: StoreBundle = {
        let database = InMemoryDatabase()
        return StoreBundle(
            users: InMemoryUserStore(database: database), rooms: InMemoryRoomStore(database: database),
            messages: InMemoryMessageStore(database: database), files: InMemoryFileStore(database: database),
            notifications: InMemoryNotificationStore(database: database),
            revocations: InMemoryRevocationStore(database: database))
    }()

    @Test(arguments: MessageStoreContract.cases) func messageStore(_ c: StoreContract) async throws {
        try await c.run(self.stores)
    }
    @Test(arguments: RoomStoreContract.cases) func roomStore(_ c: StoreContract) async throws {
        try await c.run(self.stores)
    }
    @Test(arguments: UserStoreContract.cases) func userStore(_ c: StoreContract) async throws {
        try await c.run(self.stores)
    }
    @Test(arguments: FileStoreContract.cases) func fileStore(_ c: StoreContract) async throws {
        try await c.run(self.stores)
    }
    @Test(arguments: NotificationStoreContract.cases) func notificationStore(_ c: StoreContract) async throws {
        try await c.run(self.stores)
    }
    @Test(arguments: RevocationStoreContract.cases) func revocationStore(_ c: StoreContract) async throws {
        try await c.run(self.stores)
    }
    @Test(arguments: CatchingUpContract.cases) func catchingUp(_ c: StoreContract) async throws {
        try await c.run(self.stores)
    }
}
