import Application
import Domain
import Foundation
import InMemory
import TestSupport
import Testing
import Transport

@testable import Server

/// A room session against a fake connection, on a real event loop with no sockets.
struct RoomSessionTests {
    @Test func opensWithConnectedThenAcksEachMessageAfterItsBroadcast() async throws {
        let harness = try await SessionHarness()
        defer { harness.shutdown() }
        let room = try await harness.room()
        let (owner, ownerSocket) = try await harness.open(room, as: SessionHarness.owner)
        let connected = await ownerSocket.next("connected")
        #expect(connected?["role"]?.stringValue == "OWNER")
        #expect(connected?["last_sequence_number"]?.numberValue == 2)

        let (_, editorSocket) = try await harness.open(room, as: SessionHarness.editor)
        _ = await editorSocket.next("connected")
        // The owner hears that the editor came.
        _ = await ownerSocket.next("system")

        await owner.received(
            SessionHarness.event(#"{"type":"message","content":"valve V3 closed","client_id":"c1"}"#), on: ownerSocket)
        await ownerSocket.wait { frames, _ in frames.contains { $0["type"]?.stringValue == "ack" } }
        let types = ownerSocket.types
        let message = try #require(types.lastIndex(of: "message"))
        #expect(message < (types.lastIndex(of: "ack") ?? 0), "the broadcast before the ack: \(types)")
        #expect(ownerSocket.frames.last?["client_id"]?.stringValue == "c1")
        let received = await editorSocket.next("message")
        #expect(received?["message"]?["content"]?.stringValue == "valve V3 closed")
        #expect(received?["message"]?["sequence_number"]?.numberValue == 3)
    }

    /// Issue 16, "keep to the contract": a room's socket acts on its own room only.
    @Test func anEditOfAMessageOfAnotherRoomIsNotFoundAndChangesNothing() async throws {
        let harness = try await SessionHarness()
        defer { harness.shutdown() }
        let mine = try await harness.room()
        let other = try await harness.room()
        let elsewhere = try await harness.services.sendMessage(
            .init(content: .string("other room")), to: other, by: SessionHarness.owner
        ).message
        let (session, socket) = try await harness.open(mine, as: SessionHarness.owner)
        _ = await socket.next("connected")
        await session.received(
            SessionHarness.event(
                #"{"type":"edit_message","message_id":"\#(elsewhere.id)","content":"changed from another room"}"#),
            on: socket)
        let error = await socket.next("error")
        #expect(error?["code"]?.stringValue == "not_found")
        #expect(try await harness.deps.messages.message(id: elsewhere.id)?.content == .text("other room"))
    }

    /// Issue 16, "keep to the contract": a bad field of a well-formed event is `invalid_message` with `field`.
    @Test(arguments: [
        (#"{"type":"message","content":"bell \u0007"}"#, "content"),
        (#"{"type":"message"}"#, "content"),
        (#"{"type":"message","message_type":"incident_data","content":"85"}"#, "content"),
        (#"{"type":"edit_message","message_id":"nope","content":"x"}"#, "message_id"),
        (#"{"type":"edit_message","message_id":"5b0b3b0e-4a61-4b43-9a5f-6f8d8f8b1c2a"}"#, "content"),
        (#"{"type":"typing"}"#, "is_typing"),
        (#"{"type":"add_reaction","message_id":"5b0b3b0e-4a61-4b43-9a5f-6f8d8f8b1c2a","emoji":"no"}"#, "emoji"),
    ])
    func aBadFieldIsInvalidMessageNamingTheField(_ event: String, _ field: String) async throws {
        let harness = try await SessionHarness()
        defer { harness.shutdown() }
        let room = try await harness.room()
        let (session, socket) = try await harness.open(room, as: SessionHarness.owner)
        _ = await socket.next("connected")
        await session.received(SessionHarness.event(event), on: socket)
        let error = await socket.next("error")
        #expect(error?["code"]?.stringValue == "invalid_message", "\(event)")
        #expect(error?["field"]?.stringValue == field, "\(event)")
        #expect(socket.closeCode == nil)
    }

    @Test func anUnknownOrMalformedEventIsInvalidMessageAndTheSocketStaysOpen() async throws {
        let harness = try await SessionHarness()
        defer { harness.shutdown() }
        let room = try await harness.room()
        let (session, socket) = try await harness.open(room, as: SessionHarness.owner)
        _ = await socket.next("connected")
        for event in [#"{"type":"launch"}"#, "not json", "[1,2]", #"{"type":42}"#] {
            await session.received(SessionHarness.event(event), on: socket)
        }
        await socket.wait { frames, _ in frames.filter { $0["type"]?.stringValue == "error" }.count == 4 }
        #expect(
            socket.frames.filter { $0["type"]?.stringValue == "error" }.allSatisfy {
                $0["code"]?.stringValue == "invalid_message"
            })
        await session.received(SessionHarness.event(#"{"type":"ping"}"#), on: socket)
        _ = await socket.next("pong")
    }

    /// Issue 16, finding 10: typing changes are limited (a few a second), like every other kind of event.
    @Test func typingIsRateLimited() async throws {
        let harness = try await SessionHarness()
        defer { harness.shutdown() }
        let room = try await harness.room()
        let (session, socket) = try await harness.open(room, as: SessionHarness.editor)
        _ = await socket.next("connected")
        var burst: [WebSocketMessage] = []
        for index in 0..<20 { burst += SessionHarness.event(#"{"type":"typing","is_typing":\#(index % 2 == 0)}"#) }
        await session.received(burst, on: socket)
        await socket.wait { frames, _ in frames.contains { $0["code"]?.stringValue == "rate_limited" } }
        // The clock has not moved: six went through (burst 6), the rest were refused.
        await socket.wait { frames, _ in frames.filter { $0["code"]?.stringValue == "rate_limited" }.count == 14 }
    }

    /// Issue 16, finding 5: a session's queue is bounded in bytes; past the bound the socket is not read.
    @Test func aFullInboxStopsReadingAndResumesOnceItDrains() async throws {
        let harness = try await SessionHarness()
        defer { harness.shutdown() }
        let room = try await harness.room()
        let (session, socket) = try await harness.open(room, as: SessionHarness.owner)
        _ = await socket.next("connected")
        // 1 200 pings at once: over the queue's 1 024 events.
        let pings = (0..<1_200).flatMap { _ in SessionHarness.event(#"{"type":"ping"}"#) }
        await session.received(pings, on: socket)
        #expect(socket.pauses == 1)
        await socket.waitForResume(count: 1)
    }

    @Test func resumingReplaysWhatWasMissedThenSaysSo() async throws {
        let harness = try await SessionHarness()
        defer { harness.shutdown() }
        let room = try await harness.room()
        for text in ["one", "two", "three"] {
            _ = try await harness.services.sendMessage(
                .init(content: .string(text)), to: room, by: SessionHarness.owner)
        }
        let (_, socket) = try await harness.open(
            room, as: SessionHarness.editor, resume: .init(lastSequence: 3, lastRev: nil))
        let sync = await socket.next("sync_complete")
        #expect(sync?["last_sequence_number"]?.numberValue == 5)
        #expect(sync?["truncated"] == nil)
        let replayed = socket.frames.filter { $0["type"]?.stringValue == "message" }
        #expect(replayed.compactMap { $0["message"]?["content"]?.stringValue } == ["two", "three"])
    }

    /// Issue 16, finding 16: a socket closed right after it opened leaves no one online.
    @Test func aSocketClosedWhileConnectingLeavesNoGhost() async throws {
        let harness = try await SessionHarness()
        defer { harness.shutdown() }
        let room = try await harness.room()
        for _ in 0..<20 {
            let (session, _) = try await harness.open(room, as: SessionHarness.editor)
            await session.closed(code: nil)
        }
        let (_, watcher) = try await harness.open(room, as: SessionHarness.owner)
        _ = await watcher.next("connected")
        // Leaving is asynchronous: wait for presence to settle on nobody but the owner.
        for _ in 0..<200 where await harness.presence.online(in: room).count != 1 { await Task.yield() }
        #expect(await harness.presence.online(in: room).map(\.userID) == [SessionHarness.owner.userID])
    }

    /// Issue 15, item 5: a session's token expiry is one timer, at which the socket closes with 1008.
    @Test func theSocketClosesWhenItsTokenExpires() async throws {
        let harness = try await SessionHarness()
        defer { harness.shutdown() }
        let room = try await harness.room()
        var principal = SessionHarness.owner
        principal.tokenExpiresAt = SessionHarness.start.addingTimeInterval(0.2)
        let (_, socket) = try await harness.open(room, as: principal)
        _ = await socket.next("connected")
        await socket.wait { _, closed in closed != nil }
        #expect(socket.closeCode == .policyViolation)
    }
}
