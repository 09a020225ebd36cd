import Application
import Domain
import Foundation
import Testing

/// What every `UserStore` must do.
package enum UserStoreContract {
    package static let cases: [StoreContract] = [
        StoreContract("an upsert inserts, then replaces, and lookups find it") { stores in
            let id = Fixture.user("alice")
            let first = User(
                id: id, displayName: "Alice", email: id.rawValue, isAdmin: false, lastLoginAt: Fixture.start)
            #expect(try await stores.users.upsert(first) == first)
            var second = first
            second.displayName = "林小明"
            second.isAdmin = true
            _ = try await stores.users.upsert(second)
            #expect(try await stores.users.user(id: id) == second)
            let unknown = Fixture.user("nobody")
            #expect(try await stores.users.users(ids: [id, unknown]) == [id: second])
            #expect(try await stores.users.user(id: unknown) == nil)
        }
    ]
}

/// What every `FileStore` must do.
package enum FileStoreContract {
    package static let cases: [StoreContract] = [
        StoreContract("files are listed newest first until they are deleted, once") { stores in
            let (room, owner) = try await Fixture.room(in: stores)
            var older = StoredFile(id: FileID(uuid: UUID()), room: room.id, owner: owner)
            older.uploadedAt = Fixture.start
            var newer = StoredFile(id: FileID(uuid: UUID()), room: room.id, owner: owner)
            newer.uploadedAt = Fixture.start.addingTimeInterval(10)
            newer.filename = "報告 final.pdf"
            try await stores.files.add(older)
            try await stores.files.add(newer)
            #expect(try await stores.files.files(in: room.id) == [newer, older])
            #expect(try await stores.files.file(id: newer.id) == newer)
            try await stores.files.delete(older.id, at: Fixture.start.addingTimeInterval(20))
            #expect(try await stores.files.files(in: room.id) == [newer])
            #expect(try await stores.files.file(id: older.id)?.deletedAt == Fixture.start.addingTimeInterval(20))
            await #expect(throws: DomainError.notFound("File")) {
                try await stores.files.delete(older.id, at: Fixture.start)
            }
            #expect(try await stores.files.file(id: FileID(uuid: UUID())) == nil)
        },
        StoreContract("deleting a file marks the messages that embed it, and only those") { stores in
            let (room, owner) = try await Fixture.room(in: stores)
            let photo = StoredFile(id: FileID(uuid: UUID()), room: room.id, owner: owner)
            let other = StoredFile(id: FileID(uuid: UUID()), room: room.id, owner: owner)
            try await stores.files.add(photo)
            try await stores.files.add(other)
            var embedding = Fixture.text(room.id, from: owner, "belt photo")
            embedding.kind = .imageRef
            embedding.file = photo
            var unrelated = embedding
            unrelated.id = MessageID(uuid: UUID())
            unrelated.file = other
            let first = try await Fixture.send(stores, embedding)
            let second = try await Fixture.send(stores, unrelated)
            let deletedAt = Fixture.start.addingTimeInterval(30)
            try await stores.files.delete(photo.id, at: deletedAt)
            #expect(try await stores.messages.message(id: first.id)?.file?.deletedAt == deletedAt)
            #expect(try await stores.messages.message(id: second.id)?.file?.deletedAt == nil)
            #expect(try await stores.messages.message(id: first.id)?.rev == first.rev)
        },
    ]
}

/// What every `NotificationStore` must do.
package enum NotificationStoreContract {
    package static let cases: [StoreContract] = [
        StoreContract("notifications are per user, newest first, and are marked read") { stores in
            let (room, owner) = try await Fixture.room(in: stores)
            let other = Fixture.user("other")
            func make(_ user: UserID, _ seconds: Double) -> UserNotification {
                UserNotification(
                    id: NotificationID(uuid: UUID()), userID: user, kind: .mention, title: "Mention", message: "hi",
                    roomID: room.id, reference: .room(room.id), createdAt: Fixture.start.addingTimeInterval(seconds))
            }
            let a = make(owner, 1)
            let b = make(owner, 2)
            let c = make(other, 3)
            try await stores.notifications.add([a, b, c])
            #expect(
                try await stores.notifications.notifications(for: owner, unreadOnly: false, limit: 10).map(\.id) == [
                    b.id, a.id,
                ])
            #expect(try await stores.notifications.unreadCount(for: owner) == 2)
            #expect(try await stores.notifications.markRead(a.id, for: owner, at: Fixture.start))
            #expect(try await !stores.notifications.markRead(c.id, for: owner, at: Fixture.start))
            #expect(
                try await stores.notifications.notifications(for: owner, unreadOnly: true, limit: 10).map(\.id) == [
                    b.id
                ])
            try await stores.notifications.markAllRead(for: owner, at: Fixture.start)
            #expect(try await stores.notifications.unreadCount(for: owner) == 0)
            #expect(try await stores.notifications.unreadCount(for: other) == 1)
            let read = try await stores.notifications.notifications(for: owner, unreadOnly: false, limit: 1)
            #expect(read.first?.readAt != nil)
            #expect(read.first?.reference == .room(room.id))
        }
    ]
}

/// What every `RevocationStore` must do.
package enum RevocationStoreContract {
    package static let cases: [StoreContract] = [
        StoreContract("a revoked token id stays revoked until it expires") { stores in
            let id = UUID().uuidString
            #expect(try await !stores.revocations.isRevoked(tokenID: id))
            try await stores.revocations.revoke(tokenID: id, expiresAt: Fixture.start.addingTimeInterval(60))
            #expect(try await stores.revocations.isRevoked(tokenID: id))
            try await stores.revocations.purge(expiredBefore: Fixture.start)
            #expect(try await stores.revocations.isRevoked(tokenID: id))
            try await stores.revocations.purge(expiredBefore: Fixture.start.addingTimeInterval(61))
            #expect(try await !stores.revocations.isRevoked(tokenID: id))
        }
    ]
}
