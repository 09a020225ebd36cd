import Application
import Domain
import Foundation
import Postgres
import TestSupport
import Testing

/// Migrations 5 to 8 (read markers, mentions by user, pins, announcements) applied to a schema at step 4 that holds
/// data, as a running installation upgrades: nothing is lost and the new queries see the old rows.
@Suite(TestEnvironment.requires("TEST_DATABASE_URL"))
struct PostgresRevisionTwoMigrationTests {
    @Test func upgradeFromStepFourKeepsTheDataAndIndexesOldMentions() async throws {
        let database = try await PostgresTestDatabase.make(migrate: false)
        defer { database.pool.close() }
        try await PostgresMigrator(pool: database.pool).migrate(through: 4)
        let roomID = RoomID(uuid: UUID())
        let mentioned = UUID()
        let deleted = UUID()
        let notifications = (lin: UUID(), bob: UUID())
        // A room with four messages written by the previous version: one mentions lin and bob, one that mentioned
        // lin was deleted, one is lin's own; lin and bob each have a mention notification of the first. Bob never
        // wrote in the room.
        try await database.pool.withConnection { connection in
            try connection.query(
                """
                INSERT INTO incident_rooms (room_id, title, incident_type, severity, status, created_by, created_at,
                    updated_at, last_activity_at, last_seq, rev)
                VALUES ($1, 'Line 3', 'other', 'low', 'active', 'a@example.com', now(), now(), now(), 4, 4)
                """, [.uuid(roomID.uuid)])
            try connection.query(
                """
                INSERT INTO room_members (room_id, user_id, display_name, role, added_at)
                VALUES ($1, 'a@example.com', 'A', 'OWNER', now()), ($1, 'lin@example.com', '林', 'EDITOR', now()),
                    ($1, 'bob@example.com', 'Bob', 'VIEWER', now())
                """, [.uuid(roomID.uuid)])
            try connection.query(
                """
                INSERT INTO messages (message_id, room_id, sequence_number, rev, sender_id, sender_display_name,
                    message_type, content, mentions, created_at, deleted_at)
                VALUES (gen_random_uuid(), $1, 1, 1, 'a@example.com', 'A', 'system', 'A opened', '{}', now(), NULL),
                       ($2, $1, 2, 2, 'a@example.com', 'A', 'text', '@林 check the pump',
                        '{lin@example.com,bob@example.com}', now() - interval '1 minute', NULL),
                       ($3, $1, 3, 3, 'a@example.com', 'A', 'text', NULL, '{lin@example.com}', now(), now()),
                       (gen_random_uuid(), $1, 4, 4, 'lin@example.com', '林', 'text', 'ok', '{}', now(), NULL)
                """, [.uuid(roomID.uuid), .uuid(mentioned), .uuid(deleted)])
            try connection.query(
                """
                INSERT INTO notifications (notification_id, user_id, kind, title, message, room_id, reference_type,
                    reference_id, created_at)
                VALUES ($1, 'lin@example.com', 'mention', 'A mentioned you', 'check', $3, 'message', $4, now()),
                       ($2, 'bob@example.com', 'mention', 'A mentioned you', 'check', $3, 'message', $4, now())
                """, [.uuid(notifications.lin), .uuid(notifications.bob), .uuid(roomID.uuid), .uuid(mentioned)])
        }

        #expect(try await PostgresMigrator(pool: database.pool).migrate().prefix(4) == [5, 6, 7, 8])

        let stores = database.stores
        let lin = UserID("lin@example.com")
        let bob = UserID("bob@example.com")
        // Old mentions are indexed (the deleted one is not).
        #expect(
            try await stores.messages.mentions(of: lin, after: nil, limit: 10).messages.map(\.id.uuid) == [mentioned])
        #expect(
            try await stores.messages.mentions(of: bob, after: nil, limit: 10).messages.map(\.id.uuid) == [mentioned])
        // Senders' markers start at their last message, as sending would have moved them: lin has read everything,
        // and the mention notification the marker passed is read; the owner's marker is at 3.
        #expect(
            try await stores.rooms.readState(of: lin, in: roomID)
                == ReadState(lastReadSequence: 4, unreadCount: 0, mentionCount: 0))
        #expect(try await stores.rooms.readState(of: UserID("a@example.com"), in: roomID).unreadCount == 1)
        #expect(try await stores.notifications.notifications(for: lin, unreadOnly: true, limit: 10).isEmpty)
        // Bob never wrote: nothing read, messages 1, 2 and 4 unread (3 is deleted), one mention.
        #expect(
            try await stores.rooms.readState(of: bob, in: roomID)
                == ReadState(lastReadSequence: 0, unreadCount: 3, mentionCount: 1))
        let old = try #require(try await stores.messages.message(id: MessageID(uuid: mentioned)))
        #expect(old.pinnedAt == nil && old.pinRev == nil && old.content == .text("@林 check the pump"))

        // The new writes work on the old rows: reading marks the old notification, pinning raises the old room's rev.
        #expect(try await stores.notifications.notifications(for: bob, unreadOnly: true, limit: 10).count == 1)
        let (marker, moved) = try await stores.rooms.advanceReadMarker(of: bob, in: roomID, to: 2, at: Date())
        #expect(moved && marker.lastReadSequence == 2)
        #expect(try await stores.notifications.notifications(for: bob, unreadOnly: true, limit: 10).isEmpty)
        let pinned = try await stores.messages.setPinned(old.id, true, by: UserID("a@example.com"), at: Date())
        #expect(pinned.changed && pinned.message.rev == 5)
        #expect(try await stores.messages.pins(in: roomID).map(\.id) == [old.id])
        try await stores.notifications.add(
            Announcement(
                id: AnnouncementID(uuid: UUID()), message: "maintenance tonight", severity: .info,
                createdBy: UserID("a@example.com"), createdAt: Date()))
        #expect(try await stores.notifications.announcements(since: .distantPast, limit: 5).count == 1)
        #expect(try await PostgresMigrator(pool: database.pool).migrate() == [])
    }
}
