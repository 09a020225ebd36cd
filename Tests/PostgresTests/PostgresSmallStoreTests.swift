import Application
import Domain
import Foundation
import Postgres
import TestSupport
import Testing

/// Users, files, notifications and revocations.
@Suite(TestEnvironment.requires("TEST_DATABASE_URL"))
struct PostgresSmallStoreTests {
    let now = Date(timeIntervalSince1970: 1_795_000_000)

    @Test func usersUpsertAndLookUp() async throws {
        let database = try await PostgresTestDatabase.make()
        defer { database.pool.close() }
        let users = database.stores.users
        let ann = User(
            id: UserID("ann@example.com"), displayName: "Ann", email: "ann@example.com", isAdmin: false,
            lastLoginAt: self.now)
        #expect(try await users.upsert(ann) == ann)
        var renamed = ann
        renamed.displayName = "林安"
        renamed.isAdmin = true
        #expect(try await users.upsert(renamed) == renamed)
        #expect(try await users.user(id: ann.id) == renamed)
        #expect(try await users.users(ids: [ann.id, UserID("ghost@example.com")]) == [ann.id: renamed])
    }

    @Test func filesAddListAndSoftDelete() async throws {
        let database = try await PostgresTestDatabase.make()
        defer { database.pool.close() }
        let files = database.stores.files
        let roomID = RoomID(uuid: UUID())
        func file(_ offset: TimeInterval) -> StoredFile {
            StoredFile(
                id: FileID(uuid: UUID()), roomID: roomID, filename: "f\(offset).log", contentType: "text/plain",
                size: 10,
                fileType: .log, objectKey: "k\(offset)", uploadedBy: UserID("a@example.com"),
                uploadedAt: self.now.addingTimeInterval(offset))
        }
        let older = file(1)
        let newer = file(2)
        try await files.add(older)
        try await files.add(newer)
        #expect(try await files.files(in: roomID) == [newer, older])
        try await files.delete(older.id, at: self.now)
        #expect(try await files.files(in: roomID) == [newer])
        #expect(try await files.file(id: older.id)?.deletedAt == self.now)
        await #expect(throws: DomainError.notFound("File")) { try await files.delete(older.id, at: self.now) }
    }

    @Test func notificationsNewestFirstAndRead() async throws {
        let database = try await PostgresTestDatabase.make()
        defer { database.pool.close() }
        let store = database.stores.notifications
        let user = UserID("ann@example.com")
        let roomID = RoomID(uuid: UUID())
        let notifications = (0..<3).map { index in
            UserNotification(
                id: NotificationID(uuid: UUID()), userID: user, kind: .mention, title: "t\(index)", message: "m",
                roomID: roomID, reference: .message(MessageID(uuid: UUID())), createdAt: self.now)
        }
        try await store.add(notifications)
        // Equal times: newest first, then by id, descending (as the in-memory reference).
        let expected = notifications.sorted { $0.id > $1.id }
        #expect(try await store.notifications(for: user, unreadOnly: false, limit: 10) == expected)
        #expect(try await store.unreadCount(for: user) == 3)
        #expect(try await store.markRead(notifications[0].id, for: user, at: self.now))
        #expect(!(try await store.markRead(notifications[1].id, for: UserID("ben@example.com"), at: self.now)))
        #expect(
            try await store.notifications(for: user, unreadOnly: true, limit: 10).map(\.id)
                == expected.map(\.id).filter { $0 != notifications[0].id })
        try await store.markAllRead(for: user, at: self.now)
        #expect(try await store.unreadCount(for: user) == 0)
    }

    @Test func revocationsPurgeWhenExpired() async throws {
        let database = try await PostgresTestDatabase.make()
        defer { database.pool.close() }
        let store = database.stores.revocations
        try await store.revoke(tokenID: "old", expiresAt: self.now.addingTimeInterval(-1))
        try await store.revoke(tokenID: "new", expiresAt: self.now.addingTimeInterval(3600))
        #expect(try await store.isRevoked(tokenID: "old"))
        #expect(!(try await store.isRevoked(tokenID: "other")))
        #expect(try await store.purge(expiredBefore: self.now) == 1)
        #expect(!(try await store.isRevoked(tokenID: "old")))
        #expect(try await store.isRevoked(tokenID: "new"))
    }
}
