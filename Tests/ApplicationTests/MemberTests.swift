import Application
import Domain
import Foundation
import TestSupport
import Testing

struct MemberTests {
    let app = TestApp()
    static let newcomer = TestApp.principal("huang@plant.example", "Huang Jie")

    @Test func theOwnerAddsAMemberWhoIsAnnouncedAndNotified() async throws {
        let room = try await self.app.room()
        _ = try await self.app.deps.users.upsert(
            User(id: Self.newcomer.userID, displayName: "Huang Jie", email: "huang@plant.example", isAdmin: false))
        self.app.clock.advance(by: 5)
        let member = try await AddMember(self.app.deps)(
            Self.newcomer.userID, role: .editor, to: room.id, by: TestApp.owner)
        #expect(
            member
                == Member(
                    roomID: room.id, userID: Self.newcomer.userID, displayName: "Huang Jie", role: .editor,
                    addedAt: TestApp.start.addingTimeInterval(5)))
        #expect(try await self.app.deps.rooms.member(Self.newcomer.userID, of: room.id) == member)
        #expect(try await self.app.currentRoom(room.id).memberCount == 4)

        let announcement = try #require(self.app.bus.createdMessages.first)
        #expect(self.app.bus.createdMessages.count == 1)
        #expect(announcement.content == .text("林小明 added Huang Jie as EDITOR"))
        #expect(
            announcement.metadata?.json
                == #"{"event":"member_added","actor":"lin@plant.example","data":{"member_id":"huang@plant.example","role":"EDITOR"}}"#
        )

        let notices = try await self.app.notifications(of: Self.newcomer)
        #expect(notices.map(\.kind) == [.memberAdded])
        #expect(notices.first?.roomID == room.id)
        #expect(self.app.bus.notifications == notices)
    }

    @Test func aUserNeverSeenAtLoginIsAddedByIdWithTheIdAsName() async throws {
        let room = try await self.app.room()
        let member = try await AddMember(self.app.deps)(
            UserID("New.Hire@Plant.Example"), role: .viewer, to: room.id, by: TestApp.admin)
        #expect(member.userID == UserID("new.hire@plant.example"))
        #expect(member.displayName == "new.hire@plant.example")
    }

    @Test(arguments: ["not-an-email", "a b@plant.example", "ctl\u{1}@plant.example"])
    func anIdThatIsNoEmailAddressIsRefused(_ id: String) async throws {
        let room = try await self.app.room()
        await expect(code: "validation_failed") {
            try await AddMember(self.app.deps)(UserID(id), role: .viewer, to: room.id, by: TestApp.owner)
        }
        #expect(try await self.app.deps.rooms.members(of: room.id).count == 3)
    }

    @Test func addingAnExistingMemberIsAConflict() async throws {
        let room = try await self.app.room()
        await expect(code: "conflict") {
            try await AddMember(self.app.deps)(TestApp.editor.userID, role: .owner, to: room.id, by: TestApp.owner)
        }
        #expect(try await self.app.deps.rooms.member(TestApp.editor.userID, of: room.id)?.role == .editor)
        #expect(self.app.bus.events.isEmpty)
    }

    @Test func onlyOwnersAndAdminsManageMembers() async throws {
        let room = try await self.app.room()
        let add = AddMember(self.app.deps)
        await expect(.insufficientPermissions) {
            try await add(Self.newcomer.userID, role: .viewer, to: room.id, by: TestApp.editor)
        }
        await expect(.insufficientPermissions) {
            try await add(Self.newcomer.userID, role: .viewer, to: room.id, by: TestApp.viewer)
        }
        await expect(.forbidden) {
            try await add(Self.newcomer.userID, role: .viewer, to: room.id, by: TestApp.outsider)
        }
        await expect(.insufficientPermissions) {
            try await ChangeMemberRole(self.app.deps)(
                TestApp.viewer.userID, to: .editor, in: room.id, by: TestApp.editor)
        }
        await expect(.insufficientPermissions) {
            try await RemoveMember(self.app.deps)(TestApp.viewer.userID, from: room.id, by: TestApp.editor)
        }
        await expect(.forbidden) {
            try await RemoveMember(self.app.deps)(TestApp.viewer.userID, from: room.id, by: TestApp.outsider)
        }
        #expect(try await self.app.deps.rooms.members(of: room.id).count == 3)
        #expect(self.app.bus.events.isEmpty)

        _ = try await add(Self.newcomer.userID, role: .viewer, to: room.id, by: TestApp.admin)
        #expect(try await self.app.deps.rooms.members(of: room.id).count == 4)
    }

    @Test func theOwnerChangesARoleWithOneSystemMessage() async throws {
        let room = try await self.app.room()
        let changed = try await ChangeMemberRole(self.app.deps)(
            TestApp.viewer.userID, to: .editor, in: room.id, by: TestApp.owner)
        #expect(changed.role == .editor)
        #expect(try await self.app.deps.rooms.member(TestApp.viewer.userID, of: room.id)?.role == .editor)
        let message = try #require(self.app.bus.createdMessages.first)
        #expect(self.app.bus.createdMessages.count == 1)
        #expect(
            message.metadata?.json
                == #"{"event":"role_changed","actor":"lin@plant.example","data":{"member_id":"chen@plant.example","role":"EDITOR"}}"#
        )
        #expect(message.content == .text("林小明 changed the role of Chen Mei from VIEWER to EDITOR"))

        // The same role again changes nothing.
        self.app.bus.clear()
        _ = try await ChangeMemberRole(self.app.deps)(
            TestApp.viewer.userID, to: .editor, in: room.id, by: TestApp.owner)
        #expect(self.app.bus.events.isEmpty)
    }

    @Test func theLastOwnerCannotBeDemotedOrRemoved() async throws {
        let room = try await self.app.room()
        await expect(code: "conflict") {
            try await ChangeMemberRole(self.app.deps)(TestApp.owner.userID, to: .editor, in: room.id, by: TestApp.owner)
        }
        await expect(code: "conflict") {
            try await ChangeMemberRole(self.app.deps)(TestApp.owner.userID, to: .viewer, in: room.id, by: TestApp.admin)
        }
        await expect(code: "conflict") {
            try await RemoveMember(self.app.deps)(TestApp.owner.userID, from: room.id, by: TestApp.owner)
        }
        await expect(code: "conflict") {
            try await RemoveMember(self.app.deps)(TestApp.owner.userID, from: room.id, by: TestApp.admin)
        }
        #expect(try await self.app.deps.rooms.member(TestApp.owner.userID, of: room.id)?.role == .owner)
        #expect(self.app.bus.events.isEmpty)

        // With a second OWNER, the first may step down.
        _ = try await ChangeMemberRole(self.app.deps)(TestApp.editor.userID, to: .owner, in: room.id, by: TestApp.owner)
        let demoted = try await ChangeMemberRole(self.app.deps)(
            TestApp.owner.userID, to: .editor, in: room.id, by: TestApp.owner)
        #expect(demoted.role == .editor)
        await expect(code: "conflict") {
            try await RemoveMember(self.app.deps)(TestApp.editor.userID, from: room.id, by: TestApp.editor)
        }
    }

    @Test func removingAMemberAnnouncesItAndRevokesTheirAccess() async throws {
        let room = try await self.app.room()
        try await RemoveMember(self.app.deps)(TestApp.viewer.userID, from: room.id, by: TestApp.owner)
        #expect(try await self.app.deps.rooms.member(TestApp.viewer.userID, of: room.id) == nil)
        let events = self.app.bus.events
        #expect(events.count == 2)
        guard case .messageCreated(let message) = events.first else {
            Issue.record("the removal should be announced first: \(events)")
            return
        }
        #expect(
            message.metadata?.json
                == #"{"event":"member_removed","actor":"lin@plant.example","data":{"member_id":"chen@plant.example","role":"VIEWER"}}"#
        )
        #expect(events.last == .accessRevoked(room: room.id, user: TestApp.viewer.userID))
        await expect(.forbidden) { try await GetRoom(self.app.deps)(room.id, by: TestApp.viewer) }
        await expect(.forbidden) {
            try await ReadHistory(self.app.deps)(
                room.id, HistoryQuery(direction: .newestFirst(beforeSequence: nil, beforeTime: nil), limit: 50),
                by: TestApp.viewer)
        }
    }

    @Test func unknownMembersAreNotFound() async throws {
        let room = try await self.app.room()
        await expect(.notFound("Member")) {
            try await ChangeMemberRole(self.app.deps)(Self.newcomer.userID, to: .editor, in: room.id, by: TestApp.owner)
        }
        await expect(.notFound("Member")) {
            try await RemoveMember(self.app.deps)(Self.newcomer.userID, from: room.id, by: TestApp.owner)
        }
    }

    @Test func membersAreListedForMembersOnly() async throws {
        let room = try await self.app.room()
        let members = try await ListMembers(self.app.deps)(room.id, by: TestApp.viewer)
        #expect(members.map(\.userID) == [TestApp.owner.userID, TestApp.editor.userID, TestApp.viewer.userID])
        #expect(members.map(\.role) == [.owner, .editor, .viewer])
        await expect(.forbidden) { try await ListMembers(self.app.deps)(room.id, by: TestApp.outsider) }
    }
}

struct MemberNameTests {
    let app = TestApp()

    /// A member added by id before their first login is known by name once they have signed in.
    @Test func aMemberAddedBeforeTheirFirstLoginIsNamedAndMentionableAfterIt() async throws {
        let room = try await self.app.room()
        let huang = TestApp.principal("huang@plant.example", "Huang Jie")
        _ = try await AddMember(self.app.deps)(huang.userID, role: .editor, to: room.id, by: TestApp.owner)
        self.app.directory.add(
            username: "huang", password: "pw", displayName: "Huang Jie", email: "huang@plant.example")
        _ = try await Login(self.app.deps, throttle: LoginThrottle())(
            username: "huang", password: "pw", clientAddress: "::1")

        let members = try await ListMembers(self.app.deps)(room.id, by: TestApp.viewer)
        #expect(members.first { $0.userID == huang.userID }?.displayName == "Huang Jie")
        let message = try await self.app.send("@Huang Jie please check", by: TestApp.owner, to: room.id)
        #expect(message.mentions == [huang.userID])
        #expect(try await self.app.notifications(of: huang, kind: .mention).count == 1)
        let report = try await GenerateReport(self.app.deps, timeZone: TimeZone(identifier: "Asia/Taipei")!) { _ in ""
        }(
            room.id, by: TestApp.owner)
        #expect(report.contains("- Huang Jie (huang@plant.example): EDITOR\n"))

        self.app.bus.clear()
        let changed = try await ChangeMemberRole(self.app.deps)(
            huang.userID, to: .viewer, in: room.id, by: TestApp.owner)
        #expect(changed.displayName == "Huang Jie")
        #expect(changed.role == .viewer)
        try await RemoveMember(self.app.deps)(huang.userID, from: room.id, by: TestApp.owner)
        #expect(
            self.app.bus.createdMessages.map(\.content) == [
                .text("林小明 changed the role of Huang Jie from EDITOR to VIEWER"), .text("林小明 removed Huang Jie"),
            ])
    }
}
