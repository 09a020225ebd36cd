import Domain
import Foundation
import Testing

/// Seed scenario 4: 25 members, 200 messages a minute for a minute from several senders.
struct HighTrafficTests {
    /// On PostgreSQL (the real store) whenever it is there, which CI requires.
    @Test(.timeLimit(.minutes(3)), arguments: [StoreKind.available.last!])
    func everyClientSeesEveryMessageOnceInTheSameOrder(_ store: StoreKind) async throws {
        try await TestServer.with(store) { server in
            let workers = (1...24).map { "worker\($0)" }
            let room = try await RoomFixture.open(on: server, members: workers.map { ($0, "EDITOR") })
            let members = ["op"] + workers
            var sessions: [WebSocketClientSession] = []
            for member in members {
                let session = try await room.socket(member)
                try await session.until("connected")
                sessions.append(session)
            }
            let start = try await server.call("GET", "/api/rooms/\(room.roomID)", token: room.token("op"))
            let firstSequence = try #require(start.json["last_sequence_number"]?.intValue) + 1

            // 5 senders, 40 messages each, one every 1.5 s: 200 messages in a minute.
            let seconds = Double(ProcessInfo.processInfo.environment["HIGH_TRAFFIC_SECONDS"] ?? "60") ?? 60
            let senders = sessions.prefix(5).map(\.client)
            let senderCount = senders.count
            let perSender = 40
            let interval = seconds / Double(perSender)
            let total = senderCount * perSender
            let results = try await withThrowingTaskGroup(of: (sequences: [Int], latencies: [Double]).self) { group in
                for session in sessions {
                    let client = session.client
                    group.addTask {
                        var sequences: [Int] = []
                        var latencies: [Double] = []
                        while sequences.count < total {
                            let event = try await client.event(timeout: .seconds(10))
                            guard event["type"]?.stringValue == "message", let message = event["message"],
                                let sequence = message["sequence_number"]?.intValue, sequence >= firstSequence
                            else { continue }
                            sequences.append(sequence)
                            if let content = message["content"]?.stringValue,
                                let sent = content.split(separator: "@").last.flatMap({ Double($0) })
                            {
                                latencies.append(Date().timeIntervalSince1970 - sent)
                            }
                        }
                        return (sequences, latencies)
                    }
                }
                for (index, client) in senders.enumerated() {
                    group.addTask {
                        try await Task.sleep(for: .seconds(interval * Double(index) / Double(senderCount)))
                        for number in 0..<perSender {
                            let sent = Date().timeIntervalSince1970
                            try await client.send([
                                "type": .string("message"), "content": .string("s\(index)-\(number)@\(sent)"),
                                "client_id": .string("s\(index)-\(number)"),
                            ])
                            try await Task.sleep(for: .seconds(interval))
                        }
                        return ([], [])
                    }
                }
                var results: [(sequences: [Int], latencies: [Double])] = []
                for try await result in group where !result.sequences.isEmpty { results.append(result) }
                return results
            }
            #expect(results.count == sessions.count)
            for result in results {
                #expect(
                    result.sequences == Array(firstSequence..<(firstSequence + total)),
                    "a client saw a gap, a duplicate or another order")
            }
            var latencies = results.flatMap(\.latencies)
            latencies.sort()
            let p99 = latencies[Int(Double(latencies.count - 1) * 0.99)]
            print(
                "high traffic: \(total) messages to \(sessions.count) clients, p99 send-to-delivery \(Int(p99 * 1000)) ms"
            )
            #expect(p99 < 0.1, "broadcast p99 \(p99) s is over 100 ms")
            let history = try await server.call(
                "GET", "/api/rooms/\(room.roomID)/messages?after_seq=\(firstSequence - 1)&limit=200",
                token: room.token("op"))
            #expect(history.json["messages"]?.arrayValue.count == total)
            for session in sessions { await session.close() }
        }
    }
}
