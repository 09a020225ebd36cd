import Domain
import Foundation
import Testing

/// A client may send many messages before the first ack: they are committed in the order sent, and an edit sent
/// right after a message finds it.
struct PipelinedSendTests {
    @Test(arguments: StoreKind.available)
    func messagesSentWithoutWaitingKeepTheirOrderAndAnEditFindsThem(_ store: StoreKind) async throws {
        try await TestServer.with(stores: try await store.make()) { server in
            let room = try await RoomFixture.open(on: server, members: [("maint", "EDITOR")])
            let sender = try await room.socket("maint")
            try await sender.until("connected")
            for index in 1...20 {  // the burst of the per-user limit
                try await sender.send([
                    "type": .string("message"), "content": .string("m\(index)"), "client_id": .string("c\(index)"),
                ])
            }
            var acks: [String: Int] = [:]
            while acks.count < 20 {
                let event = try await sender.read()
                if event["type"]?.stringValue == "ack", let client = event["client_id"]?.stringValue,
                    let sequence = event["sequence_number"]?.intValue
                {
                    acks[client] = sequence
                }
                #expect(event["type"]?.stringValue != "error", "\(event)")
            }
            let sequences = (1...20).map { acks["c\($0)"]! }
            #expect(sequences == sequences.sorted(), "messages were numbered out of the order they were sent")
            #expect(Set(sequences).count == 20)
            // The limit refills at 10 a second: wait for two more tokens.
            try await Task.sleep(for: .milliseconds(300))

            // An edit sent straight after its message, without waiting for the ack.
            try await sender.send([
                "type": .string("message"), "content": .string("belt stoped"), "client_id": .string("typo"),
            ])
            try await sender.until("ack")
            let last = try await server.call(
                "GET", "/api/rooms/\(room.roomID)/messages?limit=1", token: room.token("maint"))
            let id = try #require(last.json["messages"]?[0]?["message_id"]?.stringValue)
            try await sender.send([
                "type": .string("message"), "content": .string("next"), "client_id": .string("next"),
            ])
            try await sender.send([
                "type": .string("edit_message"), "message_id": .string(id), "content": .string("belt stopped"),
            ])
            let edited = try await sender.until("message_edited")
            #expect(edited["message"]?["content"]?.stringValue == "belt stopped")
            let history = try await server.call(
                "GET", "/api/rooms/\(room.roomID)/messages?after_seq=0&limit=200", token: room.token("maint"))
            let contents = history.json["messages"]?.arrayValue.compactMap { $0["content"]?.stringValue } ?? []
            #expect(Array(contents.filter { $0.hasPrefix("m") && $0.count <= 3 }) == (1...20).map { "m\($0)" })
            await sender.close()
        }
    }
}
