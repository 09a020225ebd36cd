import Application
import Crypto
import Foundation
import S3
import TestSupport
import Testing

/// Figures for docs/PERFORMANCE.md ("S3 adapter"); run only on request, in a release build:
/// `S3_BENCH=1 swift test -c release --scratch-path .build-release --filter S3BenchmarkTests`
/// (with the TEST_S3_* variables of `scripts/services/s3.sh up`).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["S3_BENCH"] == "1"), .serialized)
struct S3BenchmarkTests {
    static let size = 20 * 1_048_576

    /// Writes a 20 MB file in 1 MiB pieces, so the benchmark itself never holds it in memory.
    static func bigFile() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID()).bin").path
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else { throw CocoaError(.fileWriteUnknown) }
        defer { try? handle.close() }
        for index in 0..<(Self.size / 1_048_576) {
            try handle.write(contentsOf: S3TestSupport.bytes(count: 1_048_576, seed: UInt64(index)))
        }
        return path
    }

    /// VmRSS and VmHWM of this process, in MiB.
    static func memory() -> (rss: Double, peak: Double) {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        func value(_ name: String) -> Double {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name) }) else { return 0 }
            return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
        }
        return (value("VmRSS:"), value("VmHWM:"))
    }

    /// Lets VmHWM measure from now on (Linux: writing 5 to clear_refs resets the peak).
    static func resetPeak() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    static func report(_ line: String) {
        print(line)
        if !FileManager.default.fileExists(atPath: "/tmp/s3-bench.txt") {
            _ = FileManager.default.createFile(atPath: "/tmp/s3-bench.txt", contents: nil)
        }
        if let handle = FileHandle(forWritingAtPath: "/tmp/s3-bench.txt") {
            handle.seekToEndOfFile()
            handle.write(Data((line + "\n").utf8))
            try? handle.close()
        }
    }

    @Test func uploadThroughputAndPeakMemory() async throws {
        let storage = try S3TestSupport.plainStorage(bucket: "bench-files")
        try await storage.prepare()
        let path = try Self.bigFile()
        defer { unlink(path) }
        let body = ObjectBody.file(path: path, offset: 0, length: Int64(Self.size))
        let mib = Double(Self.size) / 1_048_576

        // Hashing alone: the cost of signing the real payload hash.
        var start = ContinuousClock.now
        _ = try Digest.sha256(ofFile: path, offset: 0, length: Int64(Self.size))
        let hashSeconds = Self.seconds(ContinuousClock.now - start)
        Self.report(
            String(format: "sha256 of a 20 MiB file: %.1f ms (%.0f MiB/s)", hashSeconds * 1000, mib / hashSeconds))

        try await storage.put(key: "bench/warm-up", contentType: "application/pdf", body: body)
        let rounds = 10
        start = ContinuousClock.now
        for index in 0..<rounds {
            try await storage.put(key: "bench/sequential-\(index)", contentType: "application/pdf", body: body)
        }
        let sequential = Self.seconds(ContinuousClock.now - start)
        Self.report(
            String(
                format: "sequential: %d x 20 MiB file-body PUTs in %.2f s: %.1f MiB/s, %.0f ms per upload",
                rounds, sequential, mib * Double(rounds) / sequential, sequential / Double(rounds) * 1000))

        let before = Self.memory()
        Self.resetPeak()
        start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<10 {
                group.addTask {
                    try await storage.put(key: "bench/concurrent-\(index)", contentType: "application/pdf", body: body)
                }
            }
            try await group.waitForAll()
        }
        let concurrent = Self.seconds(ContinuousClock.now - start)
        let after = Self.memory()
        Self.report(
            String(
                format: "concurrent: 10 x 20 MiB file-body PUTs in %.2f s: %.1f MiB/s aggregate", concurrent,
                mib * 10 / concurrent))
        Self.report(
            String(
                format: "memory: RSS before %.1f MiB; peak during the 10 concurrent uploads %.1f MiB (+%.1f MiB)",
                before.rss, after.peak, after.peak - before.rss))
        #expect(try await storage.head(key: "bench/concurrent-9")?.size == Int64(Self.size))
        for index in 0..<rounds { try await storage.delete(key: "bench/sequential-\(index)") }
        for index in 0..<10 { try await storage.delete(key: "bench/concurrent-\(index)") }
    }

    /// The adapter alone (hash, sign, stream the file) against a Swift loopback server that discards bodies:
    /// what the client costs when the storage is not the bottleneck.
    @Test func clientThroughputAgainstADiscardingServer() async throws {
        let server = try LoopbackServer { connection in
            while connection.discardRequest() != nil {
                connection.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            }
        }
        defer { server.stop() }
        let storage = S3ObjectStorage(
            configuration: try S3Configuration(
                endpoint: "http://127.0.0.1:\(server.port)", bucket: "bench", accessKey: "a", secretKey: "b"))
        let path = try Self.bigFile()
        defer { unlink(path) }
        let body = ObjectBody.file(path: path, offset: 0, length: Int64(Self.size))
        let mib = Double(Self.size) / 1_048_576
        try await storage.put(key: "warm-up", contentType: "application/pdf", body: body)
        var start = ContinuousClock.now
        for index in 0..<10 { try await storage.put(key: "s-\(index)", contentType: "application/pdf", body: body) }
        let sequential = Self.seconds(ContinuousClock.now - start)
        Self.report(
            String(
                format: "discarding server, sequential: 10 x 20 MiB in %.2f s: %.0f MiB/s, %.0f ms per upload",
                sequential, mib * 10 / sequential, sequential * 100))
        let before = Self.memory()
        Self.resetPeak()
        start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<10 {
                group.addTask { try await storage.put(key: "c-\(index)", contentType: "application/pdf", body: body) }
            }
            try await group.waitForAll()
        }
        let concurrent = Self.seconds(ContinuousClock.now - start)
        let after = Self.memory()
        Self.report(
            String(
                format: "discarding server, concurrent: 10 x 20 MiB in %.2f s: %.0f MiB/s; RSS %.1f MiB, peak %.1f MiB",
                concurrent, mib * 10 / concurrent, before.rss, after.peak))
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
