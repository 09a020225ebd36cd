import Application
import Domain
import Foundation
import Testing

/// What every store adapter must do for API revision 2: read markers and unread counts, pins, mentions, the search
/// across rooms, announcements and the people seen at sign-in.
package enum CatchingUpContract {
    /// A room of `Fixture.room` with `reader` added as EDITOR (message 2, by the owner).
    static func roomWithReader(_ stores: StoreBundle, title: String = "Conveyor belt stopped") async throws
        -> (room: Room, owner: UserID, reader: UserID)
    {
        let (room, owner) = try await Fixture.room(in: stores, title: title)
        let reader = Fixture.user("reader")
        try await Self.add(reader, to: room.id, by: owner, in: stores)
        return (room, owner, reader)
    }

    static func add(_ user: UserID, to room: RoomID, by owner: UserID, in stores: StoreBundle) async throws {
        _ = try await stores.rooms.add(
            Member(roomID: room, userID: user, displayName: user.rawValue, role: .editor, addedAt: Fixture.start),
            announcement: Fixture.system(room, actor: owner, event: "member_added"))
    }

    static func mention(
        _ room: RoomID, from sender: UserID, _ text: String, mentioning: [UserID], at date: Date = Fixture.start
    ) -> NewMessage {
        var message = Fixture.text(room, from: sender, text, at: date)
        message.mentions = mentioning
        return message
    }

    static func state(_ stores: StoreBundle, _ user: UserID, _ room: RoomID) async throws -> ReadState {
        try await stores.rooms.readState(of: user, in: room)
    }

    package static let cases: [StoreContract] = [
        StoreContract("a read marker moves only forward and never past the room's last message") { stores in
            let (room, _, reader) = try await Self.roomWithReader(stores)
            #expect(try await Self.state(stores, reader, room.id).lastReadSequence == 0)
            let at = Fixture.start.addingTimeInterval(30)
            let first = try await stores.rooms.advanceReadMarker(of: reader, in: room.id, to: 1, at: at)
            #expect(first.moved)
            #expect(first.marker == ReadMarker(roomID: room.id, userID: reader, lastReadSequence: 1, readAt: at))
            let back = try await stores.rooms.advanceReadMarker(
                of: reader, in: room.id, to: 0, at: at.addingTimeInterval(1))
            #expect(!back.moved)
            #expect(back.marker == first.marker)
            let far = try await stores.rooms.advanceReadMarker(
                of: reader, in: room.id, to: 1_000_000, at: at.addingTimeInterval(2))
            #expect(far.moved)
            #expect(far.marker.lastReadSequence == 2)
            let again = try await stores.rooms.advanceReadMarker(
                of: reader, in: room.id, to: Int64.max, at: at.addingTimeInterval(3))
            #expect(!again.moved)
            #expect(again.marker.readAt == at.addingTimeInterval(2))
            await #expect(throws: DomainError.notFound("Room")) {
                try await stores.rooms.advanceReadMarker(of: reader, in: RoomID(uuid: UUID()), to: 1, at: at)
            }
            let markers = try await stores.rooms.readMarkers(in: room.id)
            #expect(markers[reader]?.lastReadSequence == 2)
        },
        StoreContract("unread counts skip deleted messages and the reader's own, mentions count after the marker") {
            stores in
            let (room, owner, reader) = try await Self.roomWithReader(stores)
            // 1 and 2 are system messages by the owner: a reader's unread messages.
            #expect(
                try await Self.state(stores, reader, room.id)
                    == ReadState(lastReadSequence: 0, unreadCount: 2, mentionCount: 0))
            try await Fixture.send(stores, Fixture.text(room.id, from: owner, "belt stopped"))
            try await Fixture.send(stores, Self.mention(room.id, from: owner, "please check", mentioning: [reader]))
            let gone = try await Fixture.send(
                stores, Self.mention(room.id, from: owner, "wrong room", mentioning: [reader]))
            _ = try await stores.messages.delete(gone.id, by: owner, at: Fixture.start)
            #expect(
                try await Self.state(stores, reader, room.id)
                    == ReadState(lastReadSequence: 0, unreadCount: 4, mentionCount: 1))
            _ = try await stores.rooms.advanceReadMarker(of: reader, in: room.id, to: 2, at: Fixture.start)
            #expect(
                try await Self.state(stores, reader, room.id)
                    == ReadState(lastReadSequence: 2, unreadCount: 2, mentionCount: 1))
            // Sending moves the sender's marker to their message: everything before it is read.
            let own = try await Fixture.send(stores, Fixture.text(room.id, from: reader, "on it", clientID: "r-1"))
            #expect(
                try await Self.state(stores, reader, room.id)
                    == ReadState(lastReadSequence: own.sequenceNumber, unreadCount: 0, mentionCount: 0))
            #expect(try await stores.rooms.readMarkers(in: room.id)[reader]?.readAt == own.createdAt)
            // A repeated client id stores nothing and moves nothing.
            _ = try await stores.messages.append([Fixture.text(room.id, from: reader, "on it", clientID: "r-1")])
            try await Fixture.send(stores, Fixture.text(room.id, from: owner, "thanks"))
            #expect(
                try await Self.state(stores, reader, room.id)
                    == ReadState(lastReadSequence: own.sequenceNumber, unreadCount: 1, mentionCount: 0))
            // The owner sent the last message: nothing is unread for them.
            #expect(try await Self.state(stores, owner, room.id).unreadCount == 0)
            // An edit that drops a mention drops it from the counts too.
            let later = try await Fixture.send(
                stores, Self.mention(room.id, from: owner, "@reader look", mentioning: [reader]))
            #expect(try await Self.state(stores, reader, room.id).mentionCount == 1)
            _ = try await stores.messages.edit(
                later.id, content: .text("never mind"), mentions: [], by: owner, at: Fixture.start)
            #expect(
                try await Self.state(stores, reader, room.id)
                    == ReadState(lastReadSequence: own.sequenceNumber, unreadCount: 2, mentionCount: 0))
            #expect(try await Self.state(stores, reader, RoomID(uuid: UUID())) == .empty)
        },
        StoreContract("a listing carries the reader's state and keeps only unread rooms when asked") { stores in
            let (quiet, owner, reader) = try await Self.roomWithReader(stores, title: "Quiet room")
            let (busy, busyOwner) = try await Fixture.room(in: stores, title: "Busy room")
            try await Self.add(reader, to: busy.id, by: busyOwner, in: stores)
            _ = try await stores.rooms.advanceReadMarker(of: reader, in: quiet.id, to: 2, at: Fixture.start)
            try await Fixture.send(
                stores, Self.mention(busy.id, from: busyOwner, "need you here", mentioning: [reader]))
            let all = try await stores.rooms.rooms(matching: RoomQuery(memberID: reader, reader: reader))
            #expect(all.total == 2)
            let states = Dictionary(uniqueKeysWithValues: all.rooms.map { ($0.room.id, $0.readState) })
            #expect(states[quiet.id] == ReadState(lastReadSequence: 2, unreadCount: 0, mentionCount: 0))
            #expect(states[busy.id] == ReadState(lastReadSequence: 0, unreadCount: 3, mentionCount: 1))
            let unread = try await stores.rooms.rooms(
                matching: RoomQuery(memberID: reader, reader: reader, unreadOnly: true))
            #expect(unread.rooms.map(\.room.id) == [busy.id])
            #expect(unread.total == 1)
            let page = try await stores.rooms.rooms(
                matching: RoomQuery(memberID: reader, reader: reader, unreadOnly: true, limit: 1, offset: 1))
            #expect(page.rooms.isEmpty)
            #expect(page.total == 1)
            // Without a reader the counts are zero; the owner of the quiet room reads it all.
            let none = try await stores.rooms.rooms(matching: RoomQuery(memberID: owner))
            #expect(none.rooms.map(\.readState) == [.empty])
            let rooms = try await stores.rooms.rooms(ids: [quiet.id, busy.id, RoomID(uuid: UUID())])
            #expect(Set(rooms.map(\.title)) == ["Quiet room", "Busy room"])
        },
        StoreContract("a marker that passes a mention marks its notification read, and only that one") { stores in
            let (room, owner, reader) = try await Self.roomWithReader(stores)
            let first = try await Fixture.send(
                stores, Self.mention(room.id, from: owner, "look at this", mentioning: [reader]))
            let second = try await Fixture.send(
                stores, Self.mention(room.id, from: owner, "and this", mentioning: [reader]))
            func notice(_ message: Message, kind: NotificationKind = .mention) -> UserNotification {
                UserNotification(
                    id: NotificationID(uuid: UUID()), userID: reader, kind: kind, title: "Mentioned", message: "",
                    roomID: room.id, reference: .message(message.id), createdAt: Fixture.start)
            }
            let (a, b) = (notice(first), notice(second))
            let added = UserNotification(
                id: NotificationID(uuid: UUID()), userID: reader, kind: .memberAdded, title: "Added", message: "",
                roomID: room.id, reference: .room(room.id), createdAt: Fixture.start)
            try await stores.notifications.add([a, b, added])
            let read = Fixture.start.addingTimeInterval(5)
            _ = try await stores.rooms.advanceReadMarker(
                of: reader, in: room.id, to: first.sequenceNumber, at: read)
            let unread = try await stores.notifications.notifications(for: reader, unreadOnly: true, limit: 10)
            #expect(Set(unread.map(\.id)) == [b.id, added.id])
            let all = try await stores.notifications.notifications(for: reader, unreadOnly: false, limit: 10)
            #expect(all.first { $0.id == a.id }?.readAt == read)
            // A notification of a message the marker has passed already is stored read.
            let late = notice(first)
            try await stores.notifications.add([late])
            let stored = try await stores.notifications.notifications(for: reader, unreadOnly: false, limit: 10)
            #expect(stored.first { $0.id == late.id }?.readAt == Fixture.start)
            // Sending moves the marker past the second mention: its notification is read too.
            try await Fixture.send(stores, Fixture.text(room.id, from: reader, "done"))
            let left = try await stores.notifications.notifications(for: reader, unreadOnly: true, limit: 10)
            #expect(left.map(\.id) == [added.id])
        },
        StoreContract("pins raise rev once, are listed in order, and deleted messages leave the list") { stores in
            let (room, owner) = try await Fixture.room(in: stores)
            let a = try await Fixture.send(stores, Fixture.text(room.id, from: owner, "belt torn"))
            let b = try await Fixture.send(stores, Fixture.text(room.id, from: owner, "replaced the belt"))
            let at = Fixture.start.addingTimeInterval(90)
            let pinned = try await stores.messages.setPinned(b.id, true, by: owner, at: at)
            #expect(pinned.changed)
            #expect(pinned.message.pinnedAt == at && pinned.message.pinnedBy == owner)
            #expect(pinned.message.rev > b.rev && pinned.message.pinRev == pinned.message.rev)
            #expect(try await stores.rooms.room(id: room.id)?.rev == pinned.message.rev)
            let twice = try await stores.messages.setPinned(b.id, true, by: owner, at: at.addingTimeInterval(1))
            #expect(!twice.changed)
            #expect(twice.message == pinned.message)
            _ = try await stores.messages.setPinned(a.id, true, by: owner, at: at)
            #expect(try await stores.messages.pins(in: room.id).map(\.id) == [a.id, b.id])
            let unpinned = try await stores.messages.setPinned(a.id, false, by: owner, at: at)
            #expect(unpinned.changed && unpinned.message.pinnedAt == nil && unpinned.message.pinnedBy == nil)
            #expect(unpinned.message.pinRev == unpinned.message.rev)
            #expect(!(try await stores.messages.setPinned(a.id, false, by: owner, at: at)).changed)
            // Catch-up sees the pin change by rev.
            let changes = try await stores.messages.changes(
                in: room.id, afterRev: b.rev, throughSequence: b.sequenceNumber, limit: 10)
            #expect(changes.map(\.id) == [b.id, a.id])
            _ = try await stores.messages.delete(b.id, by: owner, at: at)
            #expect(try await stores.messages.pins(in: room.id).isEmpty)
            await #expect(throws: DomainError.notFound("Message")) {
                try await stores.messages.setPinned(b.id, true, by: owner, at: at)
            }
            await #expect(throws: DomainError.notFound("Message")) {
                try await stores.messages.setPinned(MessageID(uuid: UUID()), true, by: owner, at: at)
            }
        },
        StoreContract("mentions of a user across their rooms, newest first, paged, without deleted or left rooms") {
            stores in
            let (a, ownerA, reader) = try await Self.roomWithReader(stores, title: "Room A")
            let (b, ownerB) = try await Fixture.room(in: stores, title: "Room B")
            try await Self.add(reader, to: b.id, by: ownerB, in: stores)
            let (c, ownerC) = try await Fixture.room(in: stores, title: "Room C, reader not a member")
            func at(_ seconds: Double) -> Date { Fixture.start.addingTimeInterval(seconds) }
            let m1 = try await Fixture.send(
                stores, Self.mention(a.id, from: ownerA, "one", mentioning: [reader], at: at(1)))
            let m2 = try await Fixture.send(
                stores, Self.mention(b.id, from: ownerB, "two", mentioning: [reader], at: at(2)))
            let m3 = try await Fixture.send(
                stores, Self.mention(a.id, from: ownerA, "three", mentioning: [reader], at: at(3)))
            try await Fixture.send(stores, Self.mention(c.id, from: ownerC, "four", mentioning: [reader], at: at(4)))
            try await Fixture.send(stores, Fixture.text(a.id, from: ownerA, "no mention", at: at(5)))
            let gone = try await Fixture.send(
                stores, Self.mention(b.id, from: ownerB, "deleted", mentioning: [reader], at: at(6)))
            _ = try await stores.messages.delete(gone.id, by: ownerB, at: at(7))

            let all = try await stores.messages.mentions(of: reader, after: nil, limit: 10)
            #expect(all.messages.map(\.id) == [m3.id, m2.id, m1.id])
            #expect(!all.hasMore)
            let first = try await stores.messages.mentions(of: reader, after: nil, limit: 2)
            #expect(first.messages.map(\.id) == [m3.id, m2.id])
            #expect(first.hasMore)
            let cursor = MentionCursor(after: try #require(first.messages.last))
            let second = try await stores.messages.mentions(of: reader, after: cursor, limit: 2)
            #expect(second.messages.map(\.id) == [m1.id])
            #expect(!second.hasMore)
            // The same time, told apart by id.
            let twin = try await Fixture.send(
                stores, Self.mention(a.id, from: ownerA, "same time", mentioning: [reader], at: at(2)))
            let around = try await stores.messages.mentions(
                of: reader, after: MentionCursor(after: m3), limit: 10)
            #expect(Set(around.messages.prefix(2).map(\.id)) == [m2.id, twin.id])
            #expect(around.messages.last?.id == m1.id)
            // History of one room filtered to the mentions of a user, in either direction.
            let history = try await stores.messages.history(
                of: a.id,
                HistoryQuery(
                    direction: .newestFirst(beforeSequence: nil, beforeTime: nil), limit: 10, mentioning: reader))
            #expect(history.messages.map(\.id) == [twin.id, m3.id, m1.id])
            let older = try await stores.messages.history(
                of: a.id,
                HistoryQuery(
                    direction: .newestFirst(beforeSequence: m3.sequenceNumber, beforeTime: nil), limit: 10,
                    mentioning: reader))
            #expect(older.messages.map(\.id) == [m1.id])
            let after = try await stores.messages.history(
                of: a.id, HistoryQuery(direction: .oldestFirst(afterSequence: 0), limit: 1, mentioning: reader))
            #expect(after.messages.map(\.id) == [m1.id])
            #expect(after.hasMore)
            // Leaving a room leaves its mentions.
            _ = try await stores.rooms.remove(
                reader, from: a.id, announcement: Fixture.system(a.id, actor: ownerA, event: "member_removed"))
            #expect(try await stores.messages.mentions(of: reader, after: nil, limit: 10).messages.map(\.id) == [m2.id])
        },
        StoreContract("the search across rooms covers the member's rooms (or all), newest first") { stores in
            let marker = "pump\(UUID().uuidString.prefix(6).lowercased())"
            let (a, ownerA, reader) = try await Self.roomWithReader(stores, title: "Room A")
            let (b, ownerB) = try await Fixture.room(in: stores, title: "Room B")
            let inA = try await Fixture.send(
                stores, Fixture.text(a.id, from: ownerA, "\(marker) leaking", at: Fixture.start.addingTimeInterval(1)))
            let inB = try await Fixture.send(
                stores,
                Fixture.text(
                    b.id, from: ownerB, "\(marker.uppercased()) fixed", at: Fixture.start.addingTimeInterval(2)))
            try await Fixture.send(stores, Fixture.readings(a.id, from: ownerA, [marker: .number(1)]))
            let gone = try await Fixture.send(stores, Fixture.text(a.id, from: ownerA, "\(marker) typo"))
            _ = try await stores.messages.delete(gone.id, by: ownerA, at: Fixture.start)
            let mine = try await stores.messages.search(text: marker, inRoomsOf: reader, limit: 10, offset: 0)
            #expect(mine.messages.map(\.id) == [inA.id])
            #expect(mine.total == 1)
            let everywhere = try await stores.messages.search(text: marker, inRoomsOf: nil, limit: 10, offset: 0)
            #expect(everywhere.messages.map(\.id) == [inB.id, inA.id])
            #expect(everywhere.total == 2)
            let paged = try await stores.messages.search(text: marker, inRoomsOf: nil, limit: 1, offset: 1)
            #expect(paged.messages.map(\.id) == [inA.id])
            #expect(paged.total == 2)
        },
        StoreContract("announcements are listed newest first from a time on") { stores in
            func announcement(_ text: String, at seconds: Double) -> Announcement {
                Announcement(
                    id: AnnouncementID(uuid: UUID()), message: text, severity: .warning,
                    createdBy: UserID("admin@example.com"), createdAt: Fixture.start.addingTimeInterval(seconds))
            }
            let old = announcement("yesterday's drill", at: -100_000)
            let drill = announcement("fire drill at 14:00", at: 0)
            let outage = announcement("網路中斷 network outage", at: 60)
            for item in [old, drill, outage] { try await stores.notifications.add(item) }
            await #expect(throws: DomainError.self) { try await stores.notifications.add(drill) }
            let recent = try await stores.notifications.announcements(
                since: Fixture.start.addingTimeInterval(-86_400), limit: 10)
            #expect(recent == [outage, drill])
            #expect(
                try await stores.notifications.announcements(
                    since: Fixture.start.addingTimeInterval(-86_400), limit: 1) == [outage])
        },
        StoreContract("users seen at sign-in are found by name, id or e-mail, ignoring case") { stores in
            let tag = UUID().uuidString.prefix(6).lowercased()
            let lin = User(
                id: UserID("lin.\(tag)@example.com"), displayName: "林小明", email: "lin.\(tag)@example.com",
                isAdmin: false)
            let ann = User(
                id: UserID("ann.\(tag)@example.com"), displayName: "Ann Öberg", email: "ann.\(tag)@example.com",
                isAdmin: false)
            for user in [lin, ann] { _ = try await stores.users.upsert(user) }
            #expect(try await stores.users.search("小明", limit: 10) == [lin])
            #expect(try await stores.users.search("ANN.\(tag.uppercased())", limit: 10) == [ann])
            #expect(try await stores.users.search(String(tag), limit: 10) == [ann, lin])
            #expect(try await stores.users.search(String(tag), limit: 1) == [ann])
            #expect(try await stores.users.search("%", limit: 10).isEmpty)
        },
    ]
}
