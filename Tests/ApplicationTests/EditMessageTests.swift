import Application
import Domain
import Foundation
import TestSupport
import Testing

struct EditMessageTests {
    let app = TestApp()

    func edit(_ id: MessageID, _ text: String, by principal: Principal = TestApp.editor) async throws -> Message {
        try await EditMessage(self.app.deps)(id, content: .string(text), by: principal)
    }

    @Test func theSenderEditsAndThePreviousContentGoesToTheHistory() async throws {
        let room = try await self.app.room()
        let original = try await self.app.send("Belt stoped", to: room.id)
        self.app.bus.clear()
        self.app.clock.advance(by: 60)
        let edited = try await self.edit(original.id, "Belt stopped")
        #expect(edited.content == .text("Belt stopped"))
        #expect(edited.editedAt == TestApp.start.addingTimeInterval(60))
        #expect(edited.sequenceNumber == original.sequenceNumber)
        #expect(edited.rev > original.rev)
        #expect(self.app.bus.events == [.messageEdited(edited)])
        #expect(try await self.app.deps.messages.message(id: original.id) == edited)
        let history = try await GetEditHistory(self.app.deps)(original.id, by: TestApp.editor)
        #expect(
            history == [
                EditRecord(
                    messageID: original.id, originalContent: "Belt stoped", editedBy: TestApp.editor.userID,
                    editedAt: TestApp.start.addingTimeInterval(60))
            ])
        self.app.clock.advance(by: 60)
        _ = try await self.edit(original.id, "Belt B2 stopped")
        #expect(
            try await GetEditHistory(self.app.deps)(original.id, by: TestApp.owner).map(\.originalContent)
                == ["Belt stoped", "Belt stopped"])
    }

    @Test(arguments: [TestApp.owner, TestApp.admin, TestApp.viewer])
    func onlyTheSenderMayEditEvenOwnersAndAdmins(_ other: Principal) async throws {
        let room = try await self.app.room()
        let original = try await self.app.send("mine", to: room.id)
        self.app.bus.clear()
        await expect(.notOwner) { try await self.edit(original.id, "theirs", by: other) }
        #expect(try await self.app.deps.messages.message(id: original.id) == original)
        #expect(self.app.bus.events.isEmpty)
    }

    @Test func outsidersCannotEvenSeeTheMessage() async throws {
        let room = try await self.app.room()
        let original = try await self.app.send("mine", to: room.id)
        await expect(.forbidden) { try await self.edit(original.id, "x", by: TestApp.outsider) }
        await expect(.notFound("Message")) { try await self.edit(MessageID(uuid: UUID()), "x") }
    }

    @Test(arguments: [0, 899.999, 900])
    func theWindowIsOpenForFifteenMinutes(_ elapsed: TimeInterval) async throws {
        let room = try await self.app.room()
        let original = try await self.app.send("draft", to: room.id)
        self.app.clock.advance(by: elapsed)
        let edited = try await self.edit(original.id, "final")
        #expect(edited.content == .text("final"))
    }

    @Test(arguments: [900.001, 901, 86_400])
    func theWindowClosesAfterFifteenMinutes(_ elapsed: TimeInterval) async throws {
        let room = try await self.app.room()
        let original = try await self.app.send("draft", to: room.id)
        self.app.bus.clear()
        self.app.clock.advance(by: elapsed)
        await expect(.editWindowExpired(seconds: 900)) { try await self.edit(original.id, "final") }
        #expect(try await self.app.deps.messages.message(id: original.id)?.content == .text("draft"))
        #expect(try await self.app.deps.messages.editHistory(of: original.id).isEmpty)
        #expect(self.app.bus.events.isEmpty)
    }

    @Test func systemMessagesAreNotEditable() async throws {
        let room = try await self.app.room()
        let opening = try #require(try await self.app.timeline(room.id).first)
        #expect(opening.kind == .system)
        #expect(opening.senderID == TestApp.owner.userID)
        await expect(.notOwner) { try await self.edit(opening.id, "rewritten history", by: TestApp.owner) }
        #expect(try await self.app.deps.messages.message(id: opening.id) == opening)
    }

    @Test func deletedMessagesAreNotFound() async throws {
        let room = try await self.app.room()
        let original = try await self.app.send("oops", to: room.id)
        _ = try await DeleteMessage(self.app.deps)(original.id, by: TestApp.editor)
        await expect(.notFound("Message")) { try await self.edit(original.id, "back") }
    }

    @Test func anArchivedRoomRefusesEdits() async throws {
        let room = try await self.app.room()
        let original = try await self.app.send("draft", to: room.id)
        _ = try await UpdateRoom(self.app.deps)(room.id, changes: RoomChanges(status: .archived), by: TestApp.owner)
        await expect(.roomArchived) { try await self.edit(original.id, "final") }
    }

    @Test func aSenderDemotedToViewerMayNoLongerEdit() async throws {
        let room = try await self.app.room()
        let original = try await self.app.send("draft", to: room.id)
        _ = try await ChangeMemberRole(self.app.deps)(
            TestApp.editor.userID, to: .viewer, in: room.id, by: TestApp.owner)
        await expect(.insufficientPermissions) { try await self.edit(original.id, "final") }
    }

    @Test(arguments: ["", "  ", "bell\u{7}", String(repeating: "x", count: 10_241)])
    func editsFollowTheContentRules(_ text: String) async throws {
        let room = try await self.app.room()
        let original = try await self.app.send("draft", to: room.id)
        await expect(code: text.utf8.count > 10_240 ? "message_too_large" : "validation_failed") {
            try await self.edit(original.id, text)
        }
        #expect(try await self.app.deps.messages.message(id: original.id) == original)
    }

    @Test func readingsAreEditedAsReadings() async throws {
        let room = try await self.app.room()
        let original = try await self.app.sendMessage(
            SendMessage.Request(kind: .incidentData, content: .object(["temperature": .number(85)])), to: room.id,
            by: TestApp.editor
        ).message
        await expect(code: "validation_failed") { try await self.edit(original.id, "85") }
        let edited = try await EditMessage(self.app.deps)(
            original.id, content: .object(["temperature": .number(86)]), by: TestApp.editor)
        #expect(edited.content == .readings(["temperature": .number(86)]))
        #expect(
            try await self.app.deps.messages.editHistory(of: original.id).map(\.originalContent) == [
                #"{"temperature":85}"#
            ])
    }

    @Test func onlyNewlyMentionedMembersAreNotified() async throws {
        let room = try await self.app.room()
        let original = try await self.app.send("@Chen Mei check the belt", to: room.id)
        #expect(try await self.app.notifications(of: TestApp.viewer, kind: .mention).count == 1)
        self.app.bus.clear()
        let edited = try await self.edit(original.id, "@Chen Mei and @林小明 check the belt, @Wang Wei")
        #expect(edited.mentions == [TestApp.viewer.userID, TestApp.owner.userID, TestApp.editor.userID])
        #expect(self.app.bus.notifications.map(\.userID) == [TestApp.owner.userID])
        #expect(try await self.app.notifications(of: TestApp.viewer, kind: .mention).count == 1)
        #expect(
            try await self.app.notifications(of: TestApp.owner, kind: .mention).map(\.reference) == [
                .message(original.id)
            ])
    }

    @Test func explicitMentionsSurviveAnEdit() async throws {
        let room = try await self.app.room()
        let original = try await self.app.send("please check the belt", to: room.id, mentions: [TestApp.viewer.userID])
        #expect(original.mentions == [TestApp.viewer.userID])
        let edited = try await self.edit(original.id, "please check belt B2")
        #expect(edited.mentions == [TestApp.viewer.userID])
        #expect(self.app.bus.notifications.count == 1)
        // A mention typed in the text goes away when the edit removes it.
        let typed = try await self.app.send("@Chen Mei please check", to: room.id)
        let untyped = try await self.edit(typed.id, "please check")
        #expect(untyped.mentions == [])
    }

    @Test func editHistoryIsForTheSenderTheOwnerAndAdmins() async throws {
        let room = try await self.app.room()
        let original = try await self.app.send("draft", to: room.id)
        _ = try await self.edit(original.id, "final")
        for reader in [TestApp.editor, TestApp.owner, TestApp.admin] {
            #expect(try await GetEditHistory(self.app.deps)(original.id, by: reader).count == 1)
        }
        await expect(.insufficientPermissions) {
            try await GetEditHistory(self.app.deps)(original.id, by: TestApp.viewer)
        }
        await expect(.forbidden) { try await GetEditHistory(self.app.deps)(original.id, by: TestApp.outsider) }
    }
}

struct DeleteMessageTests {
    let app = TestApp()

    @Test(arguments: [TestApp.editor, TestApp.owner, TestApp.admin])
    func theSenderTheOwnerOrAnAdminDeletesAndThePlaceIsKept(_ actor: Principal) async throws {
        let room = try await self.app.room()
        let original = try await self.app.send("wrong room, sorry", to: room.id)
        let after = try await self.app.send("next", by: TestApp.owner, to: room.id)
        self.app.bus.clear()
        self.app.clock.advance(by: 3600)
        let deleted = try await DeleteMessage(self.app.deps)(original.id, by: actor)
        #expect(deleted.content == nil)
        #expect(deleted.deletedAt == TestApp.start.addingTimeInterval(3600))
        #expect(deleted.deletedBy == actor.userID)
        #expect(deleted.sequenceNumber == original.sequenceNumber)
        #expect(deleted.rev > after.rev)
        #expect(self.app.bus.events == [.messageDeleted(deleted)])
        let timeline = try await self.app.timeline(room.id)
        #expect(timeline.map(\.sequenceNumber) == Array(1...after.sequenceNumber))
        #expect(timeline.first { $0.id == original.id } == deleted)
    }

    @Test func anEditorCannotDeleteAnotherMembersMessage() async throws {
        let room = try await self.app.room()
        let original = try await self.app.send("owner's note", by: TestApp.owner, to: room.id)
        self.app.bus.clear()
        await expect(.notOwner) { try await DeleteMessage(self.app.deps)(original.id, by: TestApp.editor) }
        await expect(.notOwner) { try await DeleteMessage(self.app.deps)(original.id, by: TestApp.viewer) }
        await expect(.forbidden) { try await DeleteMessage(self.app.deps)(original.id, by: TestApp.outsider) }
        #expect(try await self.app.deps.messages.message(id: original.id) == original)
        #expect(self.app.bus.events.isEmpty)
    }

    @Test(arguments: [TestApp.owner, TestApp.admin])
    func systemMessagesAreTheAuditTrailAndAreNeverDeleted(_ actor: Principal) async throws {
        let room = try await self.app.room()
        let opening = try #require(try await self.app.timeline(room.id).first)
        await expect(.insufficientPermissions) { try await DeleteMessage(self.app.deps)(opening.id, by: actor) }
        #expect(try await self.app.deps.messages.message(id: opening.id) == opening)
    }

    @Test func savingTheSameTextAgainIsNotAnEdit() async throws {
        let room = try await self.app.room()
        let original = try await self.app.send("belt stopped", to: room.id)
        self.app.bus.clear()
        let unchanged = try await EditMessage(self.app.deps)(
            original.id, content: .string("belt stopped"), by: TestApp.editor)
        #expect(unchanged == original)
        #expect(try await self.app.deps.messages.editHistory(of: original.id).isEmpty)
        #expect(self.app.bus.events.isEmpty)
    }

    @Test func deletingTwiceIsNotFound() async throws {
        let room = try await self.app.room()
        let original = try await self.app.send("oops", to: room.id)
        _ = try await DeleteMessage(self.app.deps)(original.id, by: TestApp.editor)
        await expect(.notFound("Message")) { try await DeleteMessage(self.app.deps)(original.id, by: TestApp.editor) }
    }

    @Test func anArchivedRoomKeepsItsMessages() async throws {
        let room = try await self.app.room()
        let original = try await self.app.send("evidence", to: room.id)
        _ = try await UpdateRoom(self.app.deps)(room.id, changes: RoomChanges(status: .archived), by: TestApp.owner)
        await expect(.roomArchived) { try await DeleteMessage(self.app.deps)(original.id, by: TestApp.editor) }
        await expect(.roomArchived) { try await DeleteMessage(self.app.deps)(original.id, by: TestApp.admin) }
        #expect(try await self.app.deps.messages.message(id: original.id)?.isDeleted == false)
    }
}

struct ReactToMessageTests {
    let app = TestApp()

    func react(_ id: MessageID, _ emoji: String, _ action: ReactionAction = .added, by principal: Principal)
        async throws -> (message: Message, changed: Bool)
    {
        try await ReactToMessage(self.app.deps)(id, emoji: emoji, action: action, by: principal)
    }

    @Test func reactionsAreAggregatedAndPublishedOnlyWhenTheyChange() async throws {
        let room = try await self.app.room()
        let message = try await self.app.send("Belt restarted", to: room.id)
        self.app.bus.clear()

        let first = try await self.react(message.id, "👍", by: TestApp.owner)
        #expect(first.changed)
        #expect(first.message.reactions == [ReactionSummary(emoji: "👍", userIDs: [TestApp.owner.userID])])
        #expect(first.message.rev > message.rev)
        let again = try await self.react(message.id, "👍", by: TestApp.owner)
        #expect(!again.changed)
        #expect(again.message.rev == first.message.rev)
        let second = try await self.react(message.id, "👍", by: TestApp.editor)
        let family = try await self.react(message.id, "👨‍👩‍👧‍👦", by: TestApp.editor)
        #expect(
            family.message.reactions == [
                ReactionSummary(emoji: "👍", userIDs: [TestApp.owner.userID, TestApp.editor.userID]),
                ReactionSummary(emoji: "👨‍👩‍👧‍👦", userIDs: [TestApp.editor.userID]),
            ])
        let removed = try await self.react(message.id, "👍", .removed, by: TestApp.owner)
        #expect(removed.changed)
        let removedAgain = try await self.react(message.id, "👍", .removed, by: TestApp.owner)
        #expect(!removedAgain.changed)
        #expect(removed.message.reactions.map(\.count) == [1, 1])

        #expect(
            self.app.bus.events == [
                .reactionsUpdated(first.message, user: TestApp.owner.userID, emoji: "👍", action: .added),
                .reactionsUpdated(second.message, user: TestApp.editor.userID, emoji: "👍", action: .added),
                .reactionsUpdated(family.message, user: TestApp.editor.userID, emoji: "👨‍👩‍👧‍👦", action: .added),
                .reactionsUpdated(removed.message, user: TestApp.owner.userID, emoji: "👍", action: .removed),
            ])
    }

    @Test func viewersCannotReactOutsidersCannotSee() async throws {
        let room = try await self.app.room()
        let message = try await self.app.send("Belt restarted", to: room.id)
        self.app.bus.clear()
        await expect(.insufficientPermissions) { try await self.react(message.id, "👍", by: TestApp.viewer) }
        await expect(.forbidden) { try await self.react(message.id, "👍", by: TestApp.outsider) }
        #expect(try await self.app.deps.messages.message(id: message.id)?.reactions == [])
        #expect(self.app.bus.events.isEmpty)
    }

    @Test(arguments: ["", "ab", "👍👍", "1", "a", "❤", "<script>"])
    func invalidEmojiAreRefused(_ emoji: String) async throws {
        let room = try await self.app.room()
        let message = try await self.app.send("Belt restarted", to: room.id)
        self.app.bus.clear()
        await expect(.validationFailed(field: "emoji", reason: "must be exactly one emoji")) {
            try await self.react(message.id, emoji, by: TestApp.editor)
        }
        #expect(self.app.bus.events.isEmpty)
    }

    @Test func deletedMessagesAndArchivedRoomsTakeNoReactions() async throws {
        let room = try await self.app.room()
        let deleted = try await self.app.send("gone", to: room.id)
        let kept = try await self.app.send("kept", to: room.id)
        _ = try await DeleteMessage(self.app.deps)(deleted.id, by: TestApp.editor)
        await expect(.notFound("Message")) { try await self.react(deleted.id, "👍", by: TestApp.owner) }
        _ = try await UpdateRoom(self.app.deps)(room.id, changes: RoomChanges(status: .archived), by: TestApp.owner)
        await expect(.roomArchived) { try await self.react(kept.id, "👍", by: TestApp.owner) }
    }
}

struct EditCaptionTests {
    let app = TestApp()

    @Test func aCaptionCanBeEditedAwayWithBlanks() async throws {
        let room = try await self.app.room()
        let image = try await self.app.file(in: room.id)
        let message = try await self.app.sendMessage(
            SendMessage.Request(kind: .imageRef, content: .string("belt"), fileID: image.id), to: room.id,
            by: TestApp.editor
        ).message
        let edited = try await EditMessage(self.app.deps)(message.id, content: .string(" "), by: TestApp.editor)
        #expect(edited.content == .text(""))
        #expect(edited.file == image)
    }
}
