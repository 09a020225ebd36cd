import Application
import Domain
import Foundation
import Postgres
import Testing

/// Figures for docs/PERFORMANCE.md, not a pass/fail test. Run in release against a cluster with default durability:
///
///     PG_BASE=/tmp/incident-rooms-pg-bench PG_PORT=55434 scripts/services/postgres.sh demo   # fsync, sync commit on
///     PG_BENCH=1 PG_BENCH_URL=postgres://app:secret@127.0.0.1:55434/incidents \
///         swift test -c release --scratch-path .build-release --filter PostgresBench
@Suite(.enabled(if: ProcessInfo.processInfo.environment["PG_BENCH"] == "1"), .serialized)
struct PostgresBench {
    static var url: String? {
        ProcessInfo.processInfo.environment["PG_BENCH_URL"] ?? ProcessInfo.processInfo.environment["TEST_DATABASE_URL"]
    }

    static func requireURL() throws -> String {
        guard let url = Self.url else { throw PostgresError(.configuration) }
        return url
    }

    static func report(_ line: String) {
        print("PostgresBench: \(line)")
    }

    @Test(arguments: [false, true])
    func throughputOfFiftySendersIntoOneRoom(groupCommit: Bool) async throws {
        let database = try await PostgresTestDatabase.make(
            poolSize: 20, maxOverflow: 30, baseURL: try Self.requireURL())
        defer { database.pool.close() }
        let stores = database.stores
        let fixture = StoreFixture(stores: stores)
        let room = try await fixture.makeRoom()
        let counting = CountingMessageStore(base: stores.messages)
        let committer = RoomCommitter(store: counting, bus: SilentBus())
        let senders = 50
        let perSender = groupCommit ? 600 : 40
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for sender in 0..<senders {
                group.addTask {
                    for index in 0..<perSender {
                        let message = fixture.newText(
                            in: room, sender: "s\(sender)@example.com",
                            text: "pressure reading \(sender)-\(index) 压力正常",
                            clientID: "c\(index)", at: Date())
                        if groupCommit {
                            _ = try await withCheckedThrowingContinuation { continuation in
                                committer.enqueue(message) { continuation.resume(with: $0) }
                            }
                        } else {
                            _ = try await stores.messages.append([message])
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = started.duration(to: .now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let total = senders * perSender
        if groupCommit {
            let sizes = counting.batchSizes
            Self.report(
                "group commit: \(sizes.count) transactions, mean batch \(total / max(1, sizes.count)), "
                    + "largest \(sizes.max() ?? 0)")
        }
        Self.report(
            "\(groupCommit ? "with" : "without") group commit: \(total) messages from \(senders) senders in "
                + String(format: "%.2f s = %.0f messages/s", seconds, Double(total) / seconds))
        #expect(try await stores.rooms.room(id: room.id)?.lastSequenceNumber == Int64(total + 1))
    }

    @Test func historyAndSearchOverOneHundredThousandMessages() async throws {
        let database = try await PostgresTestDatabase.make(poolSize: 4, maxOverflow: 0, baseURL: try Self.requireURL())
        defer { database.pool.close() }
        let stores = database.stores
        let fixture = StoreFixture(stores: stores)
        let room = try await fixture.makeRoom()
        let words = [
            "valve", "conveyor", "hopper", "spindle", "coolant", "sensor", "motor", "belt", "人员", "检查", "设备", "温度",
        ]
        var batch: [NewMessage] = []
        for index in 1...100_000 {
            var text = "\(words[index % words.count]) update \(index) \(words[(index / 7) % words.count])"
            if index % 100 == 0 { text += " hydraulic pressure alarm" }
            if index % 250 == 0 { text += " 液压泵压力异常" }
            batch.append(fixture.newText(in: room, sender: "s\(index % 50)@example.com", text: text))
            if batch.count == 2_000 {
                _ = try await stores.messages.append(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        try await database.pool.withConnection { _ = try $0.query("ANALYZE messages") }

        func measure(_ label: String, runs: Int = 20, _ body: () async throws -> Int) async throws {
            var times: [Double] = []
            var count = 0
            for _ in 0..<runs {
                let started = ContinuousClock.now
                count = try await body()
                let elapsed = started.duration(to: .now)
                times.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1e3)
            }
            times.sort()
            Self.report(
                String(
                    format: "%@: median %.2f ms, p90 %.2f ms (%d rows)", label, times[times.count / 2],
                    times[times.count * 9 / 10], count))
        }
        try await measure("history newest 50 of 100 000") {
            try await stores.messages.history(
                of: room.id, HistoryQuery(direction: .newestFirst(beforeSequence: nil, beforeTime: nil), limit: 50)
            ).messages.count
        }
        try await measure("history 50 before seq 50 000") {
            try await stores.messages.history(
                of: room.id, HistoryQuery(direction: .newestFirst(beforeSequence: 50_000, beforeTime: nil), limit: 50)
            ).messages.count
        }
        try await measure("history 1 000 newest") {
            try await stores.messages.history(
                of: room.id, HistoryQuery(direction: .newestFirst(beforeSequence: nil, beforeTime: nil), limit: 1_000)
            ).messages.count
        }
        try await measure("catch-up 1 000 after seq 10 000") {
            try await stores.messages.history(
                of: room.id, HistoryQuery(direction: .oldestFirst(afterSequence: 10_000), limit: 1_000)
            ).messages.count
        }
        for query in ["pressure", "hydraulic pressure alarm", "压力", "液压泵", "nothing-matches-this", "update 4242"] {
            try await measure("search \"\(query)\" (page of 20 + total)") {
                let (messages, total) = try await stores.messages.search(in: room.id, text: query, limit: 20, offset: 0)
                return messages.isEmpty ? 0 : total
            }
        }
    }
}

struct SilentBus: RoomEventBus {
    func publish(_ event: LiveEvent) async {}
    func subscribe(_ handler: @escaping @Sendable (LiveEvent) -> Void) async {}
}

/// Records the size of every `append` call, to see how many messages group commit puts in one transaction.
final class CountingMessageStore: MessageStore, @unchecked Sendable {
    let base: any MessageStore
    private let lock = NSLock()
    private var sizes: [Int] = []

    init(base: any MessageStore) { self.base = base }

    var batchSizes: [Int] { self.lock.withLock { self.sizes } }

    func append(_ messages: [NewMessage]) async throws -> [AppendResult] {
        self.lock.withLock { self.sizes.append(messages.count) }
        return try await self.base.append(messages)
    }

    func message(id: MessageID) async throws -> Message? { try await self.base.message(id: id) }
    func history(of roomID: RoomID, _ query: HistoryQuery) async throws -> HistoryPage {
        try await self.base.history(of: roomID, query)
    }
    func changes(in roomID: RoomID, afterRev: Int64, throughSequence: Int64, limit: Int) async throws
        -> [Message]
    {
        try await self.base.changes(in: roomID, afterRev: afterRev, throughSequence: throughSequence, limit: limit)
    }
    func edit(_ id: MessageID, content: MessageContent, mentions: [UserID], by editor: UserID, at: Date)
        async throws -> Message
    { try await self.base.edit(id, content: content, mentions: mentions, by: editor, at: at) }
    func editHistory(of id: MessageID) async throws -> [EditRecord] { try await self.base.editHistory(of: id) }
    func delete(_ id: MessageID, by actor: UserID, at: Date) async throws -> Message {
        try await self.base.delete(id, by: actor, at: at)
    }
    func react(_ id: MessageID, user: UserID, emoji: Emoji, action: ReactionAction, at: Date) async throws
        -> (message: Message, changed: Bool)
    { try await self.base.react(id, user: user, emoji: emoji, action: action, at: at) }
    func search(in roomID: RoomID, text: String, limit: Int, offset: Int) async throws
        -> (messages: [Message], total: Int)
    { try await self.base.search(in: roomID, text: text, limit: limit, offset: offset) }
    func readings(
        in roomID: RoomID, named name: String, atLeast minimum: Double?, atMost maximum: Double?, limit: Int
    ) async throws -> [Message] {
        try await self.base.readings(in: roomID, named: name, atLeast: minimum, atMost: maximum, limit: limit)
    }
}
