import Application
import Domain
import Foundation
import Testing

/// What every `MessageStore` must do.
package enum MessageStoreContract {
    package static let cases: [StoreContract] = [
        StoreContract("numbers messages 1, 2, 3 after the room's announcement") { stores in
            let (room, owner) = try await Fixture.room(in: stores)
            let first = try await Fixture.send(stores, Fixture.text(room.id, from: owner, "one"))
            let second = try await Fixture.send(stores, Fixture.text(room.id, from: owner, "two"))
            #expect(first.sequenceNumber == 2)
            #expect(second.sequenceNumber == 3)
            #expect(second.rev > first.rev)
            let stored = try #require(try await stores.rooms.room(id: room.id))
            #expect(stored.lastSequenceNumber == 3)
            #expect(stored.rev == second.rev)
        },
        StoreContract("stores a batch in one call, in order") { stores in
            let (room, owner) = try await Fixture.room(in: stores)
            let batch = (1...5).map { Fixture.text(room.id, from: owner, "m\($0)") }
            let results = try await stores.messages.append(batch)
            #expect(results.map(\.message.sequenceNumber) == [2, 3, 4, 5, 6])
            #expect(results.map(\.message.content) == batch.map(\.content))
        },
        StoreContract("a repeated client id stores nothing and returns the first message") { stores in
            let (room, owner) = try await Fixture.room(in: stores)
            let other = Fixture.user("other")
            let first = try await Fixture.send(stores, Fixture.text(room.id, from: owner, "hello", clientID: "c-1"))
            let retry = try await stores.messages.append([Fixture.text(room.id, from: owner, "hello", clientID: "c-1")])
            #expect(retry == [.duplicate(first)])
            let byOther = try await Fixture.send(stores, Fixture.text(room.id, from: other, "hi", clientID: "c-1"))
            #expect(byOther.sequenceNumber == first.sequenceNumber + 1)
            let page = try await stores.messages.history(
                of: room.id, HistoryQuery(direction: .oldestFirst(afterSequence: 1), limit: 10))
            #expect(page.messages.count == 2)
        },
        StoreContract("50 concurrent senders get consecutive numbers without gaps or duplicates") { stores in
            let (room, _) = try await Fixture.room(in: stores)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for sender in 0..<50 {
                    group.addTask {
                        let user = Fixture.user("s\(sender)")
                        for index in 0..<20 {
                            _ = try await stores.messages.append([
                                Fixture.text(room.id, from: user, "\(sender)-\(index)")
                            ])
                        }
                    }
                }
                try await group.waitForAll()
            }
            var numbers: [Int64] = []
            var after: Int64 = 0
            while true {
                let page = try await stores.messages.history(
                    of: room.id, HistoryQuery(direction: .oldestFirst(afterSequence: after), limit: 200))
                numbers += page.messages.map(\.sequenceNumber)
                guard page.hasMore, let last = page.messages.last else { break }
                after = last.sequenceNumber
            }
            // Message 1 is the room's announcement.
            #expect(numbers.count == 1001)
            #expect(numbers == Array(1...1001), "numbers are not 1...1001 in order")
        },
        StoreContract("history pages newest first and oldest first, exclusive bounds, kind filter") { stores in
            let (room, owner) = try await Fixture.room(in: stores)
            for index in 1...10 {
                try await Fixture.send(
                    stores,
                    Fixture.text(room.id, from: owner, "m\(index)", at: Fixture.start.addingTimeInterval(Double(index)))
                )
            }
            try await Fixture.send(stores, Fixture.readings(room.id, from: owner, ["temperature": .number(85)]))
            let newest = try await stores.messages.history(
                of: room.id, HistoryQuery(direction: .newestFirst(beforeSequence: nil, beforeTime: nil), limit: 4))
            #expect(newest.messages.map(\.sequenceNumber) == [12, 11, 10, 9])
            #expect(newest.hasMore)
            let older = try await stores.messages.history(
                of: room.id, HistoryQuery(direction: .newestFirst(beforeSequence: 3, beforeTime: nil), limit: 4))
            #expect(older.messages.map(\.sequenceNumber) == [2, 1])
            #expect(!older.hasMore)
            let after = try await stores.messages.history(
                of: room.id, HistoryQuery(direction: .oldestFirst(afterSequence: 9), limit: 2))
            #expect(after.messages.map(\.sequenceNumber) == [10, 11])
            #expect(after.hasMore)
            let readings = try await stores.messages.history(
                of: room.id,
                HistoryQuery(
                    direction: .newestFirst(beforeSequence: nil, beforeTime: nil), limit: 50, kind: .incidentData))
            #expect(readings.messages.map(\.sequenceNumber) == [12])
            let beforeTime = try await stores.messages.history(
                of: room.id,
                HistoryQuery(
                    direction: .newestFirst(beforeSequence: nil, beforeTime: Fixture.start.addingTimeInterval(3)),
                    limit: 50, kind: .text))
            #expect(beforeTime.messages.map(\.sequenceNumber) == [3, 2])
        },
        StoreContract("an edit replaces the content, keeps the old one in history and raises rev") { stores in
            let (room, owner) = try await Fixture.room(in: stores)
            let message = try await Fixture.send(stores, Fixture.text(room.id, from: owner, "belt stoped"))
            let later = Fixture.start.addingTimeInterval(60)
            let edited = try await stores.messages.edit(
                message.id, content: .text("belt stopped"), mentions: [], by: owner, at: later)
            #expect(edited.content == .text("belt stopped"))
            #expect(edited.editedAt == later)
            #expect(edited.rev > message.rev)
            #expect(edited.sequenceNumber == message.sequenceNumber)
            let history = try await stores.messages.editHistory(of: message.id)
            #expect(
                history == [
                    EditRecord(messageID: message.id, originalContent: "belt stoped", editedBy: owner, editedAt: later)
                ])
            #expect(try await stores.messages.message(id: message.id) == edited)
        },
        StoreContract("a deletion keeps the place, drops the content, and cannot happen twice") { stores in
            let (room, owner) = try await Fixture.room(in: stores)
            let message = try await Fixture.send(stores, Fixture.text(room.id, from: owner, "wrong room"))
            let deleted = try await stores.messages.delete(
                message.id, by: owner, at: Fixture.start.addingTimeInterval(5))
            #expect(deleted.content == nil)
            #expect(deleted.deletedBy == owner)
            #expect(deleted.deletedAt == Fixture.start.addingTimeInterval(5))
            #expect(deleted.rev > message.rev)
            await #expect(throws: DomainError.notFound("Message")) {
                try await stores.messages.delete(message.id, by: owner, at: Fixture.start)
            }
            await #expect(throws: DomainError.notFound("Message")) {
                try await stores.messages.edit(
                    message.id, content: .text("x"), mentions: [], by: owner, at: Fixture.start)
            }
        },
        StoreContract("reactions: one per user and emoji, aggregated in order, rev raised only on change") { stores in
            let (room, owner) = try await Fixture.room(in: stores)
            let other = Fixture.user("other")
            let message = try await Fixture.send(stores, Fixture.text(room.id, from: owner, "fixed"))
            let thumbs = try Emoji("👍")
            let flag = try Emoji("🇹🇼")
            let first = try await stores.messages.react(
                message.id, user: owner, emoji: thumbs, action: .added, at: Fixture.start)
            #expect(first.changed)
            let again = try await stores.messages.react(
                message.id, user: owner, emoji: thumbs, action: .added, at: Fixture.start)
            #expect(!again.changed)
            #expect(again.message.rev == first.message.rev)
            _ = try await stores.messages.react(message.id, user: other, emoji: flag, action: .added, at: Fixture.start)
            let last = try await stores.messages.react(
                message.id, user: other, emoji: thumbs, action: .added, at: Fixture.start)
            #expect(
                last.message.reactions == [
                    ReactionSummary(emoji: "👍", userIDs: [owner, other]), ReactionSummary(emoji: "🇹🇼", userIDs: [other]),
                ])
            let removed = try await stores.messages.react(
                message.id, user: owner, emoji: thumbs, action: .removed, at: Fixture.start)
            #expect(removed.changed)
            #expect(
                removed.message.reactions.first { $0.emoji == "👍" } == ReactionSummary(emoji: "👍", userIDs: [other]))
            let missing = try await stores.messages.react(
                message.id, user: owner, emoji: thumbs, action: .removed, at: Fixture.start)
            #expect(!missing.changed)
        },
        StoreContract("changes since a revision: older messages changed after it, in the order of change") { stores in
            let (room, owner) = try await Fixture.room(in: stores)
            let a = try await Fixture.send(stores, Fixture.text(room.id, from: owner, "a"))
            let b = try await Fixture.send(stores, Fixture.text(room.id, from: owner, "b"))
            let c = try await Fixture.send(stores, Fixture.text(room.id, from: owner, "c"))
            let seen = try #require(try await stores.rooms.room(id: room.id))
            _ = try await stores.messages.delete(b.id, by: owner, at: Fixture.start)
            _ = try await stores.messages.edit(a.id, content: .text("a2"), mentions: [], by: owner, at: Fixture.start)
            _ = try await stores.messages.react(
                c.id, user: owner, emoji: try Emoji("✅"), action: .added, at: Fixture.start)
            let d = try await Fixture.send(stores, Fixture.text(room.id, from: owner, "d"))
            _ = try await stores.messages.edit(d.id, content: .text("d2"), mentions: [], by: owner, at: Fixture.start)
            let changes = try await stores.messages.changes(
                in: room.id, afterRev: seen.rev, throughSequence: seen.lastSequenceNumber, limit: 100)
            #expect(changes.map(\.id) == [b.id, a.id, c.id])
            #expect(changes.map(\.content) == [nil, .text("a2"), .text("c")])
            #expect(changes[2].reactions.map(\.emoji) == ["✅"])
            // Bounded: the oldest changes first, at most `limit` of them.
            let first = try await stores.messages.changes(
                in: room.id, afterRev: seen.rev, throughSequence: seen.lastSequenceNumber, limit: 2)
            #expect(first.map(\.id) == [b.id, a.id])
        },
        StoreContract("search: case-insensitive substrings, English and Chinese, newest first, not readings or deleted")
        { stores in
            let (room, owner) = try await Fixture.room(in: stores)
            let other = try await Fixture.room(in: stores)
            let first = try await Fixture.send(stores, Fixture.text(room.id, from: owner, "Conveyor BELT stopped"))
            try await Fixture.send(stores, Fixture.text(other.room.id, from: other.owner, "belt in another room"))
            let second = try await Fixture.send(stores, Fixture.text(room.id, from: owner, "replaced the belt"))
            let gone = try await Fixture.send(stores, Fixture.text(room.id, from: owner, "belt deleted"))
            _ = try await stores.messages.delete(gone.id, by: owner, at: Fixture.start)
            try await Fixture.send(stores, Fixture.readings(room.id, from: owner, ["belt": .number(1)]))
            let chinese = try await Fixture.send(stores, Fixture.text(room.id, from: owner, "輸送帶停止運轉，正在檢查馬達"))
            let english = try await stores.messages.search(in: room.id, text: "Belt", limit: 10, offset: 0)
            #expect(english.messages.map(\.id) == [second.id, first.id])
            #expect(english.total == 2)
            let paged = try await stores.messages.search(in: room.id, text: "belt", limit: 1, offset: 1)
            #expect(paged.messages.map(\.id) == [first.id])
            #expect(paged.total == 2)
            let twoCharacters = try await stores.messages.search(in: room.id, text: "馬達", limit: 10, offset: 0)
            #expect(twoCharacters.messages.map(\.id) == [chinese.id])
            let nothing = try await stores.messages.search(in: room.id, text: "pump", limit: 10, offset: 0)
            #expect(nothing.total == 0)
        },
        StoreContract("readings can be filtered by name and range") { stores in
            let (room, owner) = try await Fixture.room(in: stores)
            let hot = try await Fixture.send(
                stores,
                Fixture.readings(room.id, from: owner, ["temperature": .number(85.5), "pressure": .number(120)]))
            try await Fixture.send(stores, Fixture.readings(room.id, from: owner, ["temperature": .number(70)]))
            let pressure = try await Fixture.send(
                stores, Fixture.readings(room.id, from: owner, ["pressure": .number(130)]))
            let over80 = try await stores.messages.readings(
                in: room.id, named: "temperature", atLeast: 80, atMost: nil, limit: 50)
            #expect(over80.map(\.id) == [hot.id])
            let anyPressure = try await stores.messages.readings(
                in: room.id, named: "pressure", atLeast: nil, atMost: nil, limit: 50)
            #expect(anyPressure.map(\.id) == [hot.id, pressure.id])
            #expect(hot.content == .readings(["temperature": .number(85.5), "pressure": .number(120)]))
        },
        StoreContract("hostile text is stored exactly") { stores in
            let (room, owner) = try await Fixture.room(in: stores)
            let texts = [
                "'; DROP TABLE messages; --", "quote \" and backslash \\", "tab\tnew\nline\r\n",
                "<script>alert(1)</script>",
                "👩‍🔧 🇹🇼 林小明", String(repeating: "界", count: 3413),
            ]
            for text in texts {
                let stored = try await Fixture.send(stores, Fixture.text(room.id, from: owner, text))
                #expect(try await stores.messages.message(id: stored.id)?.content == .text(text))
            }
        },
        StoreContract("files and mentions embedded in a message come back as sent") { stores in
            let (room, owner) = try await Fixture.room(in: stores)
            let other = Fixture.user("other")
            let file = StoredFile(
                id: FileID(uuid: UUID()), room: room.id, owner: owner)
            var draft = Fixture.text(room.id, from: owner, "photo of the belt @other")
            draft.kind = .imageRef
            draft.file = file
            draft.mentions = [other]
            draft.metadata = ["camera": .string("line-3"), "nested": .object(["ok": .bool(true)])]
            let stored = try await Fixture.send(stores, draft)
            let read = try #require(try await stores.messages.message(id: stored.id))
            #expect(read.file == file)
            #expect(read.mentions == [other])
            #expect(read.metadata == draft.metadata)
            #expect(read.kind == .imageRef)
            #expect(try await stores.messages.message(id: MessageID(uuid: UUID())) == nil)
        },
    ]
}

extension StoredFile {
    init(id: FileID, room: RoomID, owner: UserID) {
        self.init(
            id: id, roomID: room, filename: "belt photo.jpg", contentType: "image/jpeg", size: 1234, fileType: .image,
            objectKey: "rooms/\(room)/\(id)/belt_photo.jpg", uploadedBy: owner, uploadedAt: Fixture.start)
    }
}
