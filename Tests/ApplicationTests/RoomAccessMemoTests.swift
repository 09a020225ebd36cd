import Application
import Domain
import Foundation
import TestSupport
import Testing

/// A connection sends with the access it remembers; these are the moments it must read it again.
struct RoomAccessMemoTests {
    let app = TestApp()

    func send(_ text: String, to room: RoomID, memo: RoomAccessMemo) async throws {
        let prepared = try await self.app.sendMessage.prepare(
            SendMessage.Request(content: .string(text)), to: room, by: TestApp.editor, memo: memo)
        _ = try await withCheckedThrowingContinuation { continuation in
            self.app.sendMessage.submit(prepared) { continuation.resume(with: $0) }
        }
    }

    @Test func aRoleChangeCountsFromTheSystemMessageThatAnnouncesIt() async throws {
        let room = try await self.app.room()
        let memo = RoomAccessMemo()
        try await self.send("first", to: room.id, memo: memo)
        _ = try await ChangeMemberRole(self.app.deps)(
            TestApp.editor.userID, to: .viewer, in: room.id, by: TestApp.owner)
        memo.roomChanged()  // what the connection does when the role_changed system message reaches it
        await expect(.insufficientPermissions) { try await self.send("second", to: room.id, memo: memo) }
    }

    @Test func aChangeWhoseEventNeverCameCountsAfterTheMaximumAge() async throws {
        let room = try await self.app.room()
        let memo = RoomAccessMemo()
        try await self.send("first", to: room.id, memo: memo)
        _ = try await UpdateRoom(self.app.deps)(room.id, changes: RoomChanges(status: .archived), by: TestApp.owner)
        self.app.clock.advance(by: RoomAccessMemo.maximumAge)
        await expect(.roomArchived) { try await self.send("late", to: room.id, memo: memo) }
    }

    @Test func aReadThatStartedBeforeAChangeIsNotKept() async throws {
        let room = try await self.app.room()
        let memo = RoomAccessMemo()
        let generation = memo.generation()
        let before = try await RoomAccess.resolve(room.id, for: TestApp.editor, in: self.app.deps)
        _ = try await ChangeMemberRole(self.app.deps)(
            TestApp.editor.userID, to: .viewer, in: room.id, by: TestApp.owner)
        memo.roomChanged()
        memo.remember(before, at: self.app.clock.now(), generation: generation)
        #expect(memo.access(at: self.app.clock.now()) == nil)
        await expect(.insufficientPermissions) { try await self.send("after", to: room.id, memo: memo) }
    }
}
