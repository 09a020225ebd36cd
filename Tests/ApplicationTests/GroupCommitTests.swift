import Application
import Domain
import Foundation
import Testing

struct GroupCommitTests {
    let app = TestApp()

    @Test func aFailedCommitStoresAndBroadcastsNothingAndTheNextSendGoesOn() async throws {
        let room = try await self.app.room()
        self.app.messages.failNextAppends(1)
        await expect(.unavailable) { try await self.app.send("lost?", to: room.id, clientID: "c-1") }
        #expect(try await self.app.currentRoom(room.id) == room)
        #expect(self.app.bus.events.isEmpty)

        // The retry with the same client id is stored once, right after the last message: no gap.
        let retried = try await self.app.send("lost?", to: room.id, clientID: "c-1")
        #expect(retried.sequenceNumber == room.lastSequenceNumber + 1)
        #expect(self.app.bus.createdMessages == [retried])
    }

    @Test func everySenderInAFailedGroupHearsOfIt() async throws {
        let room = try await self.app.room()
        let senders = (1...8).map { TestApp.principal("op\($0)@plant.example", "Operator \($0)") }
        for sender in senders {
            _ = try await AddMember(self.app.deps)(sender.userID, role: .editor, to: room.id, by: TestApp.owner)
        }
        let base = try await self.app.currentRoom(room.id)
        self.app.bus.clear()
        self.app.messages.failNextAppends(Int.max)
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for sender in senders {
                group.addTask {
                    do {
                        _ = try await self.app.send("hello", by: sender, to: room.id)
                        return true
                    } catch {
                        return false
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes == Array(repeating: false, count: 8))
        #expect(self.app.messages.batches.reduce(0, +) >= 8)
        #expect(try await self.app.currentRoom(room.id) == base)
        #expect(self.app.bus.events.isEmpty)
    }

    @Test func concurrentSendersAreCommittedInGroupsThatCoverEveryMessageOnce() async throws {
        let room = try await self.app.room()
        let senders = (1...30).map { TestApp.principal("op\($0)@plant.example", "Operator \($0)") }
        for sender in senders {
            _ = try await AddMember(self.app.deps)(sender.userID, role: .editor, to: room.id, by: TestApp.owner)
        }
        let before = self.app.messages.batches.count
        try await withThrowingTaskGroup(of: Void.self) { group in
            for sender in senders {
                group.addTask { _ = try await self.app.send("ready", by: sender, to: room.id) }
            }
            try await group.waitForAll()
        }
        let batches = self.app.messages.batches.dropFirst(before)
        #expect(batches.reduce(0, +) == 30)
        #expect(batches.allSatisfy { $0 >= 1 })
    }
}

struct CatchUpLimitTests {
    let app = TestApp()

    @Test func aClientFarBehindGetsFiveThousandAndResumesFromThere() async throws {
        let room = try await self.app.room()
        let drafts = (1...5_100).map { index in
            NewMessage(
                id: MessageID(uuid: self.app.ids.next()), roomID: room.id, senderID: TestApp.editor.userID,
                senderDisplayName: "Wang Wei", kind: .text, content: .text("m\(index)"), createdAt: TestApp.start)
        }
        _ = try await self.app.deps.messages.append(drafts)
        let total = room.lastSequenceNumber + 5_100

        let first = try await CatchUp(self.app.deps)(room.id, lastSequence: 0, lastRev: 0, by: TestApp.viewer)
        let maximum = CatchUp.Limits().maximumMessages
        #expect(first.messages.count == maximum)
        #expect(first.messages.map(\.sequenceNumber) == Array(1...Int64(maximum)))
        #expect(first.lastSequenceNumber == Int64(maximum))
        #expect(first.truncated)

        let second = try await CatchUp(self.app.deps)(
            room.id, lastSequence: first.lastSequenceNumber, lastRev: first.rev, by: TestApp.viewer)
        #expect(second.messages.map(\.sequenceNumber) == Array((first.lastSequenceNumber + 1)...total))
        #expect(second.lastSequenceNumber == total)
        #expect(second.changed.isEmpty)
        #expect(!second.truncated)
    }

    /// Finding 4 of the hardening issue: `?last_seq=<current>&last_rev=0` used to load every changed message of
    /// the room, and a replay could be hundreds of megabytes. Both parts are bounded in bytes too.
    @Test func aReplayIsBoundedInBytesAndSaysSo() async throws {
        let room = try await self.app.room()
        let big = String(repeating: "溫", count: 3_000)  // 9 000 bytes of text each
        let drafts = (1...1_000).map { _ in
            NewMessage(
                id: MessageID(uuid: self.app.ids.next()), roomID: room.id, senderID: TestApp.editor.userID,
                senderDisplayName: "Wang Wei", kind: .text, content: .text(big), createdAt: TestApp.start)
        }
        _ = try await self.app.deps.messages.append(drafts)
        let limits = CatchUp.Limits(maximumMessages: 5_000, maximumBytes: 1 << 20)
        let replay = try await CatchUp(self.app.deps, limits: limits)(
            room.id, lastSequence: 0, lastRev: nil, by: TestApp.viewer)
        #expect(replay.truncated)
        #expect(replay.messages.count < 120)
        #expect(replay.messages.reduce(0) { $0 + CatchUp.size(of: $1) } <= 1 << 20)
        #expect(replay.lastSequenceNumber == replay.messages.last?.sequenceNumber)

        // Changes since rev 0 of messages the client already has (all of them): bounded the same way.
        let current = try await self.app.currentRoom(room.id)
        let changes = try await CatchUp(self.app.deps, limits: limits)(
            room.id, lastSequence: current.lastSequenceNumber, lastRev: 0, by: TestApp.viewer)
        #expect(changes.messages.isEmpty)
        #expect(changes.truncated)
        #expect(changes.changed.count < 120)
    }
}
