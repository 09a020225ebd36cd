import Application
import Domain
import Foundation
import Postgres
import TestSupport
import Testing

/// Restarts PostgreSQL under load. Uses a private cluster (its own folder and port) started with the project's
/// service script, so restarting it does not disturb the tests running in parallel on the shared one.
@Suite(TestEnvironment.requires("TEST_DATABASE_URL"))
struct PostgresRestartTests {
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/services/postgres.sh").path

    /// Runs the service script with posix_spawn and waitpid (Foundation's `Process.waitUntilExit` was seen to hang
    /// here after the child had exited); stdout goes through a file.
    static func service(_ command: String, base: String, port: Int) throws -> String {
        let output = base + "-\(command).out"
        let shell = "PG_BASE='\(base)' PG_PORT=\(port) '\(Self.script)' \(command) >'\(output)' 2>/dev/null"
        var pid: pid_t = 0
        let arguments: [UnsafeMutablePointer<CChar>?] =
            ["/bin/sh", "-c", shell].map { (text: String) in strdup(text) } + [nil]
        defer { for argument in arguments { free(argument) } }
        let spawned = posix_spawn(&pid, "/bin/sh", nil, nil, arguments, environ)
        guard spawned == 0 else {
            Issue.record("posix_spawn failed: \(spawned)")
            return ""
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        defer { unlink(output) }
        try #require(status == 0, "postgres.sh \(command) failed with status \(status)")
        return (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
    }

    @Test(.timeLimit(.minutes(2)))
    func restartLosesNoCommittedMessageAndThePoolRecovers() async throws {
        _ = try TestEnvironment.require("TEST_DATABASE_URL")
        let base = NSTemporaryDirectory() + "incident-rooms-pg-restart-\(getpid())"
        let port = try unusedLoopbackPort()
        // Down runs whatever happened to up, so a half-started cluster is not left behind.
        defer { _ = try? Self.service("down", base: base, port: port) }
        let exports = try Self.service("up", base: base, port: port)
        let url = try #require(
            exports.split(separator: "=", maxSplits: 1).last.map {
                $0.trimmingCharacters(in: .whitespacesAndNewlines)
            })
        let pool = PostgresPool(
            configuration: PostgresConfiguration(url: url, poolSize: 4, maxOverflow: 0, poolTimeout: 5))
        defer { pool.close() }
        try await PostgresMigrator(pool: pool).migrate()
        let stores = PostgresStores(pool: pool)
        let fixture = StoreFixture(stores: stores)
        let room = try await fixture.makeRoom()

        // Writers keep sending while the server restarts; every acknowledged message must survive.
        let acknowledged = Acknowledged()
        let stop = Flag()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for sender in 0..<4 {
                group.addTask {
                    var index = 0
                    while !stop.isSet {
                        index += 1
                        let message = fixture.newText(
                            in: room, sender: "writer\(sender)@example.com", text: "m\(sender)-\(index)")
                        do {
                            let results = try await stores.messages.append([message])
                            acknowledged.add(results.map(\.message.id))
                        } catch DomainError.unavailable {
                            try await Task.sleep(for: .milliseconds(20))
                        }
                    }
                }
            }
            try await Task.sleep(for: .milliseconds(300))
            _ = try Self.service("restart", base: base, port: port)
            try await Task.sleep(for: .milliseconds(500))
            stop.set()
            try await group.waitForAll()
        }
        #expect(acknowledged.count > 0)
        // After the restart the pool serves again, and every acknowledged message is there, numbered 1...n.
        let page = try await stores.messages.history(
            of: room.id, HistoryQuery(direction: .oldestFirst(afterSequence: 0), limit: 100_000))
        let stored = Set(page.messages.map(\.id))
        #expect(acknowledged.ids.isSubset(of: stored))
        #expect(page.messages.map(\.sequenceNumber) == Array(1...Int64(page.messages.count)))
    }
}

final class Acknowledged: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Set<MessageID> = []
    func add(_ ids: [MessageID]) { self.lock.withLock { self.stored.formUnion(ids) } }
    var ids: Set<MessageID> { self.lock.withLock { self.stored } }
    var count: Int { self.ids.count }
}

final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { self.lock.withLock { self.value = true } }
    var isSet: Bool { self.lock.withLock { self.value } }
}
