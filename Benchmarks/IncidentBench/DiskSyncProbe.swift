#if canImport(Glibc)
    import Glibc
#endif

/// `incident-bench disk-sync`: how long the disk takes to make one 8 kB write durable, as PostgreSQL's commit does
/// (`pwrite` then `fdatasync` into a preallocated file, like a WAL segment).
///
/// Run beside a service scenario, it tells a slow disk from a slow service: every message is committed before it is
/// broadcast, so a flush that stalls for 100 ms holds every message sent meanwhile. It offers little load of its own
/// (20 flushes/s by default) and reports the stalls with their time, to match them with PostgreSQL's log.
struct DiskSyncProbe {
    var path: String
    var rate: Double
    var seconds: Double
    /// Flushes slower than this are listed one by one.
    var stall: UInt64 = 20_000

    private static let fileSize = 16 << 20
    private static let blockSize = 8_192

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The report line, and how many flushes took longer than `stall`.
    func run() throws -> (report: String, stalls: Int) {
        guard self.rate > 0, self.rate <= 10_000, self.seconds > 0 else {
            throw Failure(description: "--rate must be in 0<..10000 and --seconds above 0")
        }
        let fd = open(self.path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw Failure(description: "cannot open \(self.path): errno \(errno)") }
        defer {
            close(fd)
            unlink(self.path)
        }
        var block = [UInt8](repeating: 0, count: Self.blockSize)
        // Written and flushed once first, so the probe overwrites allocated blocks as PostgreSQL does in the WAL.
        for offset in stride(from: 0, to: Self.fileSize, by: Self.blockSize) {
            try Self.write(block, at: offset, to: fd)
        }
        guard fsync(fd) == 0 else { throw Failure(description: "fsync failed: errno \(errno)") }

        for i in block.indices { block[i] = UInt8(truncatingIfNeeded: i &* 31) }
        var histogram = LatencyHistogram()
        var stalls: [String] = []
        let interval = UInt64(1e9 / self.rate)
        let start = monotonicNanos()
        let end = start + UInt64(self.seconds * 1e9)
        var due = start
        var offset = 0
        while due < end {
            let now = monotonicNanos()
            if due > now { Self.sleep(nanoseconds: due - now) }
            let before = monotonicNanos()
            try Self.write(block, at: offset, to: fd)
            guard fdatasync(fd) == 0 else { throw Failure(description: "fdatasync failed: errno \(errno)") }
            let micros = (monotonicNanos() - before) / 1_000
            histogram.record(microseconds: micros)
            if micros > self.stall {
                stalls.append("\(Self.wallClock()) \(BenchRun.fixed(Double(micros) / 1e3, 1)) ms")
            }
            offset = (offset + Self.blockSize) % Self.fileSize
            due += interval
        }
        func ms(_ q: Double) -> String { BenchRun.fixed(Double(histogram.percentile(q)) / 1e3, 2) }
        var report =
            "disk fdatasync of 8 kB, \(histogram.total) at \(BenchRun.fixed(self.rate, 0))/s: p50 \(ms(0.5)) "
            + "p99 \(ms(0.99)) max \(BenchRun.fixed(Double(histogram.max) / 1e3, 2)) ms; "
            + "\(stalls.count) over \(self.stall / 1_000) ms"
        if !stalls.isEmpty { report += " (UTC: " + stalls.prefix(20).joined(separator: ", ") + ")" }
        return (report, stalls.count)
    }

    private static func write(_ block: [UInt8], at offset: Int, to fd: Int32) throws {
        let written = block.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) }
        guard written == block.count else { throw Failure(description: "pwrite failed: errno \(errno)") }
    }

    private static func sleep(nanoseconds: UInt64) {
        var request = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }

    /// HH:MM:SS.mmm, as PostgreSQL's log prints its times.
    private static func wallClock() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let millis = now.tv_nsec / 1_000_000
        let ms = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(ms)"
    }
}
