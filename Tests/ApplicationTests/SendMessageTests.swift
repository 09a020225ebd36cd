import Application
import Domain
import Foundation
import TestSupport
import Testing

struct SendMessageTests {
    let app = TestApp()

    @Test func anEditorSendsAMessageThatIsNumberedStoredAndBroadcast() async throws {
        let room = try await self.app.room()
        self.app.clock.advance(by: 2)
        let result = try await self.app.sendMessage(
            SendMessage.Request(content: .string("Belt B2 stopped again"), clientID: "c-1"), to: room.id,
            by: TestApp.editor)
        guard case .stored(let message) = result else {
            Issue.record("expected a stored message, got \(result)")
            return
        }
        #expect(message.sequenceNumber == room.lastSequenceNumber + 1)
        #expect(message.rev == room.rev + 1)
        #expect(message.senderID == TestApp.editor.userID)
        #expect(message.senderDisplayName == "Wang Wei")
        #expect(message.kind == .text)
        #expect(message.content == .text("Belt B2 stopped again"))
        #expect(message.clientID == "c-1")
        #expect(message.createdAt == TestApp.start.addingTimeInterval(2))
        #expect(self.app.bus.events == [.messageCreated(message)])
        #expect(try await self.app.deps.messages.message(id: message.id) == message)
        let stored = try await self.app.currentRoom(room.id)
        #expect(stored.lastSequenceNumber == message.sequenceNumber)
        #expect(stored.rev == message.rev)
    }

    @Test func ownersAndAdminsSendTooViewersMayNot() async throws {
        let room = try await self.app.room()
        try await self.app.send("owner here", by: TestApp.owner, to: room.id)
        try await self.app.send("admin here", by: TestApp.admin, to: room.id)
        self.app.bus.clear()
        await expect(.insufficientPermissions) {
            try await self.app.send("viewer here", by: TestApp.viewer, to: room.id)
        }
        await expect(.forbidden) { try await self.app.send("outsider here", by: TestApp.outsider, to: room.id) }
        await expect(.notFound("Room")) { try await self.app.send("nowhere", to: RoomID(uuid: UUID())) }
        #expect(try await self.app.currentRoom(room.id).lastSequenceNumber == room.lastSequenceNumber + 2)
        #expect(self.app.bus.events.isEmpty)
    }

    @Test func anArchivedRoomIsReadOnly() async throws {
        let room = try await self.app.room()
        _ = try await UpdateRoom(self.app.deps)(room.id, changes: RoomChanges(status: .archived), by: TestApp.owner)
        let archived = try await self.app.currentRoom(room.id)
        self.app.bus.clear()
        await expect(.roomArchived) { try await self.app.send("anyone?", to: room.id) }
        await expect(.roomArchived) { try await self.app.send("anyone?", by: TestApp.admin, to: room.id) }
        #expect(try await self.app.currentRoom(room.id) == archived)
        #expect(self.app.bus.events.isEmpty)
    }

    // MARK: - Limits

    @Test func twentyMessagesAtOnceThenRateLimited() async throws {
        let room = try await self.app.room()
        for index in 1...20 { try await self.app.send("burst \(index)", to: room.id) }
        await expect(.rateLimited(retryAfterSeconds: 1)) { try await self.app.send("one too many", to: room.id) }
        #expect(self.app.bus.createdMessages.count == 20)
        // Someone else is not slowed down by it.
        try await self.app.send("owner is fine", by: TestApp.owner, to: room.id)
        // A second later ten more are allowed.
        self.app.clock.advance(by: 1)
        for index in 1...10 { try await self.app.send("refilled \(index)", to: room.id) }
        await expect(code: "rate_limited") { try await self.app.send("one too many", to: room.id) }
        #expect(try await self.app.currentRoom(room.id).lastSequenceNumber == room.lastSequenceNumber + 31)
    }

    @Test(arguments: ["a", "林", "👍"])
    func textOfExactlyTenKilobytesIsAccepted(_ unit: String) async throws {
        let room = try await self.app.room()
        let text =
            String(repeating: unit, count: 10_240 / unit.utf8.count)
            + String(repeating: "a", count: 10_240 % unit.utf8.count)
        let message = try await self.app.send(text, to: room.id)
        #expect(message.content == .text(text))
    }

    @Test(arguments: ["a", "林", "👍"])
    func textOneByteOverIsTooLarge(_ unit: String) async throws {
        let room = try await self.app.room()
        let text =
            String(repeating: unit, count: 10_240 / unit.utf8.count)
            + String(repeating: "a", count: 10_240 % unit.utf8.count + 1)
        #expect(text.utf8.count == 10_241)
        await expect(.messageTooLarge(limit: 10_240)) { try await self.app.send(text, to: room.id) }
        #expect(try await self.app.currentRoom(room.id).lastSequenceNumber == room.lastSequenceNumber)
    }

    @Test(arguments: ["nul\u{0}", "esc\u{1B}[2J", "del\u{7F}", "c1\u{85}", "c1\u{9F}", "vt\u{B}", "", "   ", "\n\n"])
    func controlCharactersAndEmptyTextAreRefused(_ text: String) async throws {
        let room = try await self.app.room()
        await expect(code: "validation_failed") { try await self.app.send(text, to: room.id) }
        #expect(self.app.bus.events.isEmpty)
    }

    @Test func tabsAndNewlinesAreKept() async throws {
        let room = try await self.app.room()
        let message = try await self.app.send("line 1\n\tline 2\r\n", to: room.id)
        #expect(message.content == .text("line 1\n\tline 2\r\n"))
    }

    @Test(arguments: [JSONValue.number(1), .null, .array([.string("x")]), .object(["a": .string("b")])])
    func textMustBeAString(_ content: JSONValue) async throws {
        let room = try await self.app.room()
        await expect(.validationFailed(field: "content", reason: "must be a string")) {
            try await self.app.sendMessage(SendMessage.Request(content: content), to: room.id, by: TestApp.editor)
        }
    }

    @Test func clientsCannotSendSystemMessages() async throws {
        let room = try await self.app.room()
        await expect(code: "validation_failed") {
            try await self.app.sendMessage(
                SendMessage.Request(kind: .system, content: .string("fake event")), to: room.id, by: TestApp.owner)
        }
        #expect(self.app.bus.events.isEmpty)
    }

    @Test func metadataIsKeptAndLimited() async throws {
        let room = try await self.app.room()
        let metadata: JSONObject = ["priority": .string("high"), "source": .string("hmi-3")]
        let message = try await self.app.sendMessage(
            SendMessage.Request(content: .string("with metadata"), metadata: metadata), to: room.id, by: TestApp.editor
        ).message
        #expect(message.metadata == metadata)
        let big: JSONObject = ["blob": .string(String(repeating: "x", count: 16_384))]
        await expect(code: "validation_failed") {
            try await self.app.sendMessage(
                SendMessage.Request(content: .string("big"), metadata: big), to: room.id, by: TestApp.editor)
        }
    }

    // MARK: - Incident data

    @Test func incidentDataIsAnObjectOfReadings() async throws {
        let room = try await self.app.room()
        let readings: JSONObject = ["temperature": .number(85), "pressure": .number(120), "unit": .string("°C")]
        let message = try await self.app.sendMessage(
            SendMessage.Request(kind: .incidentData, content: .object(readings)), to: room.id, by: TestApp.editor
        ).message
        #expect(message.kind == .incidentData)
        #expect(message.content == .readings(readings))
        if case .readings(let stored)? = message.content {
            #expect(stored.keys == ["temperature", "pressure", "unit"])
        }
    }

    @Test(arguments: [JSONValue.string("85"), .number(85), .array([.number(85)]), .null, .object([:])])
    func incidentDataMustBeANonEmptyObject(_ content: JSONValue) async throws {
        let room = try await self.app.room()
        await expect(code: "validation_failed") {
            try await self.app.sendMessage(
                SendMessage.Request(kind: .incidentData, content: content), to: room.id, by: TestApp.editor)
        }
    }

    @Test func incidentDataOverOneHundredKilobytesIsTooLarge() async throws {
        let room = try await self.app.room()
        let overhead = #"{"r":""}"#.utf8.count
        let atLimit: JSONObject = ["r": .string(String(repeating: "x", count: 102_400 - overhead))]
        _ = try await self.app.sendMessage(
            SendMessage.Request(kind: .incidentData, content: .object(atLimit)), to: room.id, by: TestApp.editor)
        let over: JSONObject = ["r": .string(String(repeating: "x", count: 102_401 - overhead))]
        await expect(.messageTooLarge(limit: 102_400)) {
            try await self.app.sendMessage(
                SendMessage.Request(kind: .incidentData, content: .object(over)), to: room.id, by: TestApp.editor)
        }
    }

    // MARK: - Files

    @Test func anImageRefEmbedsAnImageOfTheSameRoom() async throws {
        let room = try await self.app.room()
        let image = try await self.app.file(in: room.id)
        let message = try await self.app.sendMessage(
            SendMessage.Request(kind: .imageRef, content: .string("the torn belt"), fileID: image.id), to: room.id,
            by: TestApp.editor
        ).message
        #expect(message.kind == .imageRef)
        #expect(message.file == image)
        #expect(message.content == .text("the torn belt"))
        let bare = try await self.app.sendMessage(
            SendMessage.Request(kind: .imageRef, content: .null, fileID: image.id), to: room.id, by: TestApp.editor
        ).message
        #expect(bare.content == .text(""))
        // A caption of blanks is no caption, not a refused photo.
        let blank = try await self.app.sendMessage(
            SendMessage.Request(kind: .imageRef, content: .string("  "), fileID: image.id), to: room.id,
            by: TestApp.editor
        ).message
        #expect(blank.content == .text(""))
    }

    @Test func aFileRefTakesAnyFileOfTheRoom() async throws {
        let room = try await self.app.room()
        let log = try await self.app.file(in: room.id, name: "plc.log", type: .log, contentType: "text/plain")
        let message = try await self.app.sendMessage(
            SendMessage.Request(kind: .fileRef, content: .string(""), fileID: log.id), to: room.id, by: TestApp.editor
        ).message
        #expect(message.file?.id == log.id)
    }

    @Test func fileReferencesAreChecked() async throws {
        let room = try await self.app.room()
        let other = try await self.app.room(title: "Another incident")
        let foreign = try await self.app.file(in: other.id)
        let document = try await self.app.file(
            in: room.id, name: "sop.pdf", type: .document, contentType: "application/pdf")
        let deleted = try await self.app.file(in: room.id, name: "old.png")
        try await self.app.deps.files.delete(deleted.id, at: TestApp.start)
        self.app.bus.clear()

        let cases: [(SendMessage.Request, String)] = [
            (SendMessage.Request(kind: .imageRef, content: .string("x")), "file_id"),
            (SendMessage.Request(kind: .imageRef, content: .string("x"), fileID: foreign.id), "file_id"),
            (SendMessage.Request(kind: .imageRef, content: .string("x"), fileID: FileID(uuid: UUID())), "file_id"),
            (SendMessage.Request(kind: .imageRef, content: .string("x"), fileID: document.id), "file_id"),
            (SendMessage.Request(kind: .fileRef, content: .string("x"), fileID: deleted.id), "file_id"),
            (SendMessage.Request(kind: .text, content: .string("x"), fileID: document.id), "file_id"),
            (SendMessage.Request(kind: .fileRef, content: .string("bad\u{1}"), fileID: document.id), "content"),
        ]
        for (request, field) in cases {
            do {
                _ = try await self.app.sendMessage(request, to: room.id, by: TestApp.editor)
                Issue.record("\(request) should be refused")
            } catch let DomainError.validationFailed(refused, _) {
                #expect(refused == field, "\(request)")
            }
        }
        #expect(self.app.bus.events.isEmpty)
    }

    // MARK: - Mentions

    @Test func mentionsAreResolvedAndNotifiedExceptTheSender() async throws {
        let room = try await self.app.room()
        let message = try await self.app.send(
            "@林小明 and @Chen Mei, please look. cc @wang@plant.example @Out Sider", by: TestApp.editor, to: room.id)
        #expect(message.mentions == [TestApp.owner.userID, TestApp.viewer.userID, TestApp.editor.userID])
        let notified = self.app.bus.notifications
        #expect(notified.map(\.userID) == [TestApp.owner.userID, TestApp.viewer.userID])
        #expect(notified.allSatisfy { $0.kind == .mention && $0.reference == .message(message.id) })
        #expect(notified.first?.message == message.content?.text)
        #expect(try await self.app.notifications(of: TestApp.owner, kind: .mention).count == 1)
        #expect(try await self.app.notifications(of: TestApp.editor, kind: .mention).isEmpty)
        #expect(try await self.app.notifications(of: TestApp.outsider).isEmpty)
        // The broadcast comes before the notifications.
        guard case .messageCreated = self.app.bus.events.first else {
            Issue.record("the message should be broadcast first")
            return
        }
    }

    @Test func explicitMentionsAreFilteredToMembers() async throws {
        let room = try await self.app.room()
        let message = try await self.app.send(
            "see above", by: TestApp.owner, to: room.id,
            mentions: [
                TestApp.viewer.userID, TestApp.outsider.userID, UserID("ghost@plant.example"), TestApp.viewer.userID,
            ])
        #expect(message.mentions == [TestApp.viewer.userID])
        #expect(self.app.bus.notifications.map(\.userID) == [TestApp.viewer.userID])
    }

    @Test func readingsCarryOnlyExplicitMentions() async throws {
        let room = try await self.app.room()
        let message = try await self.app.sendMessage(
            SendMessage.Request(
                kind: .incidentData, content: .object(["note": .string("@Chen Mei")]), mentions: [TestApp.owner.userID]),
            to: room.id, by: TestApp.editor
        ).message
        #expect(message.mentions == [TestApp.owner.userID])
    }

    // MARK: - Idempotent retry

    @Test func aRepeatedClientIDReturnsTheFirstMessageAndStoresNothing() async throws {
        let room = try await self.app.room()
        let first = try await self.app.sendMessage(
            SendMessage.Request(content: .string("@Chen Mei valve closed"), clientID: "retry-1"), to: room.id,
            by: TestApp.editor)
        self.app.bus.clear()
        self.app.clock.advance(by: 30)
        let retry = try await self.app.sendMessage(
            SendMessage.Request(content: .string("@Chen Mei valve closed"), clientID: "retry-1"), to: room.id,
            by: TestApp.editor)
        #expect(retry == .duplicate(first.message))
        #expect(self.app.bus.events.isEmpty)
        #expect(try await self.app.notifications(of: TestApp.viewer, kind: .mention).count == 1)
        #expect(try await self.app.currentRoom(room.id).lastSequenceNumber == first.message.sequenceNumber)

        // The same client id from another user, or in another room, is a new message.
        let byOwner = try await self.app.send("valve closed", by: TestApp.owner, to: room.id, clientID: "retry-1")
        #expect(byOwner.sequenceNumber == first.message.sequenceNumber + 1)
        let elsewhere = try await self.app.room(title: "Elsewhere")
        let other = try await self.app.send("valve closed", to: elsewhere.id, clientID: "retry-1")
        #expect(other.roomID == elsewhere.id)
    }

    @Test func concurrentRetriesOfOneClientIDStoreOneMessage() async throws {
        let room = try await self.app.room()
        let results = try await withThrowingTaskGroup(of: AppendResult.self) { group in
            for _ in 1...10 {
                group.addTask {
                    try await self.app.sendMessage(
                        SendMessage.Request(content: .string("pump 2 off"), clientID: "same"), to: room.id,
                        by: TestApp.editor)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let stored = results.compactMap { result -> Message? in
            guard case .stored(let message) = result else { return nil }
            return message
        }
        #expect(stored.count == 1)
        #expect(Set(results.map(\.message)) == Set(stored))
        #expect(self.app.bus.createdMessages == stored)
        #expect(try await self.app.currentRoom(room.id).lastSequenceNumber == room.lastSequenceNumber + 1)
    }

    @Test(arguments: [
        "", String(repeating: "x", count: 129), "ctl\u{1}",
        // One character of 400 combining marks (801 bytes), and 43 CJK characters (129 bytes): the limit is bytes.
        "e" + String(repeating: "\u{301}\u{302}", count: 200), String(repeating: "林", count: 43),
    ])
    func badClientIDsAreRefused(_ clientID: String) async throws {
        let room = try await self.app.room()
        await expect(code: "validation_failed") { try await self.app.send("hi", to: room.id, clientID: clientID) }
        #expect(try await self.app.currentRoom(room.id).lastSequenceNumber == room.lastSequenceNumber)
    }

    @Test func aClientIDOfExactly128BytesIsAccepted() async throws {
        let room = try await self.app.room()
        let clientID = String(repeating: "林", count: 42) + "xx"
        let message = try await self.app.send("hi", to: room.id, clientID: clientID)
        #expect(message.clientID == clientID)
    }

    // MARK: - Spam

    @Test func theSameTextAFourthTimeWithinAMinuteIsRefusedAndNothingElseIs() async throws {
        let room = try await self.app.room()
        for index in 1...3 { try await self.app.send("BUY NOW", to: room.id, clientID: "spam-\(index)") }
        await expect(.rateLimited(retryAfterSeconds: 60)) {
            try await self.app.send("BUY NOW", to: room.id, clientID: "spam-4")
        }
        // A retry of a copy already sent is answered as the duplicate it is, not refused.
        let retry = try await self.app.sendMessage(
            SendMessage.Request(content: .string("BUY NOW"), clientID: "spam-2"), to: room.id, by: TestApp.editor)
        guard case .duplicate = retry else {
            Issue.record("a retry should be a duplicate, got \(retry)")
            return
        }
        // Other text, another sender, another room: not slowed down.
        try await self.app.send("belt restarted", to: room.id)
        try await self.app.send("BUY NOW", by: TestApp.owner, to: room.id)
        let elsewhere = try await self.app.room(title: "Elsewhere")
        try await self.app.send("BUY NOW", to: elsewhere.id)
        let copies = try await self.app.timeline(room.id).filter { $0.content == .text("BUY NOW") }
        #expect(copies.count == 4)
        // A minute after the first copy, one more is allowed.
        self.app.clock.advance(by: 20)
        await expect(code: "rate_limited") { try await self.app.send("BUY NOW", to: room.id) }
        self.app.clock.advance(by: 41)
        try await self.app.send("BUY NOW", to: room.id)
    }

    @Test func aMessageMentioningMoreThanTwentyPeopleIsRefused() async throws {
        let room = try await self.app.room()
        let people = (1...21).map { TestApp.principal("worker\($0)@plant.example", "Worker \($0)") }
        for person in people {
            _ = try await self.app.deps.users.upsert(
                User(id: person.userID, displayName: person.displayName, email: person.userID.rawValue, isAdmin: false))
            _ = try await AddMember(self.app.deps)(person.userID, role: .viewer, to: room.id, by: TestApp.owner)
        }
        self.app.bus.clear()
        let twenty = Array(people.prefix(20))
        let named = twenty.map { "@\($0.displayName)" }.joined(separator: " ")
        let fine = try await self.app.send("shift change \(named)", to: room.id)
        #expect(fine.mentions.count == 20)
        await expect(.validationFailed(field: "mentions", reason: "may name at most 20 people")) {
            try await self.app.send("shift change \(named) @Worker 21", to: room.id)
        }
        await expect(code: "validation_failed") {
            try await self.app.send("see above", to: room.id, mentions: people.map(\.userID))
        }
        #expect(self.app.bus.createdMessages.count == 1)
        #expect(self.app.bus.notifications.count == 20)
    }

    // MARK: - Ordering under concurrency

    @Test func fiftyConcurrentSendersGetConsecutiveNumbersBroadcastInOrder() async throws {
        let room = try await self.app.room()
        let senders = (1...50).map { TestApp.principal("worker\($0)@plant.example", "Worker \($0)") }
        for sender in senders {
            _ = try await AddMember(self.app.deps)(sender.userID, role: .editor, to: room.id, by: TestApp.owner)
        }
        let base = try await self.app.currentRoom(room.id).lastSequenceNumber
        self.app.bus.clear()

        let perSender = 4
        let results = try await withThrowingTaskGroup(of: [Message].self) { group in
            for sender in senders {
                group.addTask {
                    var sent: [Message] = []
                    for index in 1...perSender {
                        sent.append(try await self.app.send("\(sender.displayName) #\(index)", by: sender, to: room.id))
                    }
                    return sent
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }

        let total = senders.count * perSender
        let numbers = results.map(\.sequenceNumber).sorted()
        #expect(numbers == Array((base + 1)...(base + Int64(total))))
        // Each sender's own messages are numbered in the order they were sent.
        for sender in senders {
            let own = results.filter { $0.senderID == sender.userID }.sorted { $0.sequenceNumber < $1.sequenceNumber }
            #expect(own.map(\.content) == (1...perSender).map { .text("\(sender.displayName) #\($0)") })
        }
        let broadcast = self.app.bus.createdMessages
        #expect(broadcast.map(\.sequenceNumber) == Array((base + 1)...(base + Int64(total))))
        #expect(broadcast.map(\.rev) == broadcast.map(\.rev).sorted())
        #expect(Set(broadcast.map(\.id)) == Set(results.map(\.id)))
        let timeline = try await self.app.timeline(room.id)
        #expect(timeline.map(\.sequenceNumber) == Array(1...(base + Int64(total))))
    }
}
