import Application
import Domain
import Foundation
import TestSupport
import Testing

struct PresenceTests {
    let app = TestApp()

    @Test func theFirstConnectionAnnouncesAJoinTheLastALeave() async throws {
        let room = try await self.app.room()
        let connect = ConnectToRoom(self.app.deps)
        let disconnect = DisconnectFromRoom(self.app.deps)

        let access = try await connect(room.id, connection: 1, by: TestApp.editor)
        #expect(access.role == .editor)
        #expect(
            self.app.bus.events == [
                .userJoined(room: room.id, user: TestApp.editor.userID, displayName: "Wang Wei", at: TestApp.start)
            ])
        self.app.clock.advance(by: 5)
        _ = try await connect(room.id, connection: 2, by: TestApp.editor)
        #expect(self.app.bus.events.count == 1)
        let online = try await ListPresence(self.app.deps)(.online, in: room.id, by: TestApp.viewer)
        #expect(online == [PresenceEntry(userID: TestApp.editor.userID, displayName: "Wang Wei", since: TestApp.start)])

        await disconnect(room.id, connection: 1, by: TestApp.editor)
        #expect(self.app.bus.events.count == 1)
        #expect(try await ListPresence(self.app.deps)(.online, in: room.id, by: TestApp.viewer).count == 1)
        self.app.clock.advance(by: 5)
        await disconnect(room.id, connection: 2, by: TestApp.editor)
        #expect(
            self.app.bus.events.last
                == .userLeft(
                    room: room.id, user: TestApp.editor.userID, displayName: "Wang Wei",
                    at: TestApp.start.addingTimeInterval(10)))
        #expect(self.app.bus.events.count == 2)
        #expect(try await ListPresence(self.app.deps)(.online, in: room.id, by: TestApp.viewer).isEmpty)
        // A connection closed twice announces nothing more.
        await disconnect(room.id, connection: 2, by: TestApp.editor)
        #expect(self.app.bus.events.count == 2)
    }

    @Test func outsidersCannotConnectAndAdminsConnectAsOwner() async throws {
        let room = try await self.app.room()
        await expect(.forbidden) {
            try await ConnectToRoom(self.app.deps)(room.id, connection: 1, by: TestApp.outsider)
        }
        await expect(.notFound("Room")) {
            try await ConnectToRoom(self.app.deps)(RoomID(uuid: UUID()), connection: 1, by: TestApp.editor)
        }
        #expect(self.app.bus.events.isEmpty)
        let access = try await ConnectToRoom(self.app.deps)(room.id, connection: 2, by: TestApp.admin)
        #expect(access.role == .owner)
        #expect(access.memberRole == nil)
    }

    @Test func typingIsAnnouncedOnChangeAndExpiresAfterThreeSeconds() async throws {
        let room = try await self.app.room()
        let typing = SetTyping(self.app.deps)
        let expire = ExpireTyping(self.app.deps)
        try await typing(true, in: room.id, by: TestApp.editor)
        #expect(
            self.app.bus.events == [
                .typing(room: room.id, user: TestApp.editor.userID, displayName: "Wang Wei", isTyping: true)
            ])
        #expect(
            try await ListPresence(self.app.deps)(.typing, in: room.id, by: TestApp.viewer).map(\.userID) == [
                TestApp.editor.userID
            ])

        // Typing again refreshes the state without announcing it again.
        self.app.clock.advance(by: 2)
        try await typing(true, in: room.id, by: TestApp.editor)
        #expect(self.app.bus.events.count == 1)

        // The last typing event was at +2 s: it lapses at +5 s, not a millisecond before.
        self.app.clock.set(TestApp.start.addingTimeInterval(4.999))
        await expire()
        #expect(self.app.bus.events.count == 1)
        self.app.clock.set(TestApp.start.addingTimeInterval(5))
        await expire()
        #expect(
            self.app.bus.events.last
                == .typing(room: room.id, user: TestApp.editor.userID, displayName: "Wang Wei", isTyping: false))
        #expect(self.app.bus.events.count == 2)
        #expect(try await ListPresence(self.app.deps)(.typing, in: room.id, by: TestApp.viewer).isEmpty)
        await expire()
        #expect(self.app.bus.events.count == 2)
    }

    @Test func expiryClearsOnlyStaleTypersInEveryRoom() async throws {
        let first = try await self.app.room()
        let second = try await self.app.room(title: "Second incident")
        let typing = SetTyping(self.app.deps)
        try await typing(true, in: first.id, by: TestApp.editor)
        try await typing(true, in: second.id, by: TestApp.owner)
        self.app.clock.advance(by: 2)
        try await typing(true, in: first.id, by: TestApp.owner)
        self.app.bus.clear()
        self.app.clock.advance(by: 1)
        await ExpireTyping(self.app.deps)()
        let cleared = Set(
            self.app.bus.events.compactMap { event -> String? in
                guard case .typing(let room, let user, _, false) = event else { return nil }
                return "\(room)/\(user)"
            })
        #expect(cleared == ["\(first.id)/\(TestApp.editor.userID)", "\(second.id)/\(TestApp.owner.userID)"])
        #expect(self.app.bus.events.count == 2)
        let stillTyping = try await ListPresence(self.app.deps)(.typing, in: first.id, by: TestApp.viewer)
        #expect(stillTyping.map(\.userID) == [TestApp.owner.userID])
    }

    @Test func stoppingTypingIsAnnouncedOnce() async throws {
        let room = try await self.app.room()
        let typing = SetTyping(self.app.deps)
        try await typing(true, in: room.id, by: TestApp.editor)
        try await typing(false, in: room.id, by: TestApp.editor)
        try await typing(false, in: room.id, by: TestApp.editor)
        #expect(
            self.app.bus.events.map { event -> Bool? in
                guard case .typing(_, _, _, let isTyping) = event else { return nil }
                return isTyping
            } == [true, false])
    }

    @Test func viewersCannotTypeIntoARoom() async throws {
        let room = try await self.app.room()
        await expect(.insufficientPermissions) {
            try await SetTyping(self.app.deps)(true, in: room.id, by: TestApp.viewer)
        }
        #expect(self.app.bus.events.isEmpty)
    }

    @Test func leavingWhileTypingClearsTheTypingState() async throws {
        let room = try await self.app.room()
        _ = try await ConnectToRoom(self.app.deps)(room.id, connection: 7, by: TestApp.editor)
        try await SetTyping(self.app.deps)(true, in: room.id, by: TestApp.editor)
        self.app.bus.clear()
        await DisconnectFromRoom(self.app.deps)(room.id, connection: 7, by: TestApp.editor)
        #expect(
            self.app.bus.events == [
                .typing(room: room.id, user: TestApp.editor.userID, displayName: "Wang Wei", isTyping: false),
                .userLeft(room: room.id, user: TestApp.editor.userID, displayName: "Wang Wei", at: TestApp.start),
            ])
        #expect(try await ListPresence(self.app.deps)(.typing, in: room.id, by: TestApp.viewer).isEmpty)
    }
}

struct NotificationTests {
    let app = TestApp()

    @Test func listUnreadMarkOneAndMarkAll() async throws {
        let room = try await self.app.room()
        let first = try await self.app.send("@Chen Mei one", to: room.id)
        self.app.clock.advance(by: 1)
        let second = try await self.app.send("@Chen Mei two", to: room.id)
        self.app.clock.advance(by: 1)
        _ = try await UpdateRoom(self.app.deps)(room.id, changes: RoomChanges(status: .resolved), by: TestApp.owner)

        let list = ListNotifications(self.app.deps)
        let all = try await list(unreadOnly: false, by: TestApp.viewer)
        // member_added, two mentions, status_changed: newest first.
        #expect(all.notifications.map(\.kind) == [.statusChanged, .mention, .mention, .memberAdded])
        #expect(all.notifications[1].reference == .message(second.id))
        #expect(all.notifications[2].reference == .message(first.id))
        #expect(all.unread == 4)

        self.app.clock.advance(by: 1)
        try await MarkNotificationsRead(self.app.deps)(all.notifications[1].id, by: TestApp.viewer)
        let unread = try await list(unreadOnly: true, by: TestApp.viewer)
        #expect(unread.unread == 3)
        #expect(!unread.notifications.contains { $0.id == all.notifications[1].id })
        let marked = try await list(unreadOnly: false, by: TestApp.viewer).notifications[1]
        #expect(marked.readAt == TestApp.start.addingTimeInterval(3))
        // Marking it again is harmless.
        try await MarkNotificationsRead(self.app.deps)(all.notifications[1].id, by: TestApp.viewer)

        try await MarkNotificationsRead(self.app.deps)(nil, by: TestApp.viewer)
        #expect(try await list(unreadOnly: true, by: TestApp.viewer).notifications.isEmpty)
        #expect(try await list(unreadOnly: false, by: TestApp.viewer).unread == 0)
        // Other people's notifications are untouched.
        #expect(try await list(unreadOnly: true, by: TestApp.editor).unread == 2)
    }

    @Test func someoneElsesNotificationIsNotFound() async throws {
        let room = try await self.app.room()
        try await self.app.send("@Chen Mei look", to: room.id)
        let theirs = try #require(try await self.app.notifications(of: TestApp.viewer).first)
        await expect(.notFound("Notification")) {
            try await MarkNotificationsRead(self.app.deps)(theirs.id, by: TestApp.editor)
        }
        await expect(.notFound("Notification")) {
            try await MarkNotificationsRead(self.app.deps)(NotificationID(uuid: UUID()), by: TestApp.viewer)
        }
        #expect(try await self.app.notifications(of: TestApp.viewer).first?.readAt == nil)
    }
}
