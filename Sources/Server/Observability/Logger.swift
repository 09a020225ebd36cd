import Domain
import Foundation
import Synchronization

/// Structured logs: one JSON object a line on stderr (time, level, event, user, room, and fields).
///
/// A line is formatted by the caller and written by a thread of the logger's own, in batches: the callers include
/// event loops, which must never wait on a slow stderr (a pipe to a busy journald, a full disk). At most
/// `maximumBuffered` bytes wait; past that lines are dropped and counted, and the next line written says how many.
/// Never pass secrets or message bodies at info level; the call sites name what they log.
final class Logger: Sendable {
    enum Level: String, Sendable, Comparable {
        case debug, info, warning, error

        private var rank: Int {
            switch self {
            case .debug: 0
            case .info: 1
            case .warning: 2
            case .error: 3
            }
        }

        static func < (lhs: Level, rhs: Level) -> Bool { lhs.rank < rhs.rank }
    }

    static let maximumBuffered = 4 << 20

    let minimum: Level
    private let output: LogOutput

    /// - Parameter fd: where lines go (stderr; a test passes a pipe).
    init(minimum: Level = .info, fd: Int32 = 2) {
        self.minimum = minimum
        self.output = LogOutput(fd: fd, maximumBuffered: Logger.maximumBuffered)
    }

    func log(
        _ level: Level, _ event: String, user: String? = nil, room: String? = nil, _ fields: [String: String] = [:]
    ) {
        guard level >= self.minimum else { return }
        // Written as bytes in one buffer: a line per message sent is on the hot path of a busy room.
        var line = JSONWriter(capacity: 160)
        line.raw("{\"time\":\"")
        line.raw(Timestamp.format(Date()))
        line.raw("\",\"level\":\"")
        line.raw(level.rawValue)
        line.raw("\",\"event\":")
        line.write(string: event)
        if let user { Self.field("user", user, into: &line) }
        if let room { Self.field("room", room, into: &line) }
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) { Self.field(key, value, into: &line) }
        line.raw("}\n")
        self.output.append(line.bytes)
    }

    private static func field(_ key: String, _ value: String, into line: inout JSONWriter) {
        line.raw(",")
        line.write(string: key)
        line.raw(":")
        line.write(string: value)
    }

    /// Waits until every line logged so far is written (at shutdown).
    func flush() {
        self.output.flush()
    }

    func info(_ event: String, user: String? = nil, room: String? = nil, _ fields: [String: String] = [:]) {
        self.log(.info, event, user: user, room: room, fields)
    }

    func warning(_ event: String, user: String? = nil, room: String? = nil, _ fields: [String: String] = [:]) {
        self.log(.warning, event, user: user, room: room, fields)
    }
}

/// The lines waiting for stderr and the thread that writes them.
private final class LogOutput: @unchecked Sendable {
    // Guarded by `condition`.
    private let condition = NSCondition()
    private var pending: [UInt8] = []
    private var dropped = 0
    private var writing = false
    private var started = false
    private let fd: Int32
    private let maximumBuffered: Int
    /// How long the writer gathers lines before writing them: at most ~50 wake-ups a second.
    static let linger: TimeInterval = 0.02

    init(fd: Int32, maximumBuffered: Int) {
        self.fd = fd
        self.maximumBuffered = maximumBuffered
    }

    func append(_ line: [UInt8]) {
        self.condition.lock()
        defer { self.condition.unlock() }
        if !self.started {
            self.started = true
            let thread = Thread { [self] in self.run() }
            thread.name = "log-writer"
            thread.start()
        }
        guard self.pending.count + line.count <= self.maximumBuffered else {
            self.dropped += 1
            return
        }
        if self.dropped > 0 {
            self.pending += Array(
                "{\"time\":\"\(Timestamp.format(Date()))\",\"level\":\"warning\",\"event\":\"log_lines_dropped\",\"count\":\"\(self.dropped)\"}\n"
                    .utf8)
            self.dropped = 0
        }
        let wasEmpty = self.pending.isEmpty
        self.pending += line
        // The writer waits only when nothing was pending; otherwise it finds this line in its batch. A broadcast, as
        // `flush` waits on the same condition and a signal could wake it instead of the writer.
        if wasEmpty { self.condition.broadcast() }
    }

    func flush() {
        self.condition.lock()
        while !self.pending.isEmpty || self.writing { self.condition.wait() }
        self.condition.unlock()
    }

    private func run() {
        while true {
            self.condition.lock()
            while self.pending.isEmpty { self.condition.wait() }
            // Lines that come within `linger` join the batch: one wake-up and one write for them all, where a
            // busy room would wake this thread for every message (a futex wake and a context switch each).
            self.condition.unlock()
            Thread.sleep(forTimeInterval: Self.linger)
            self.condition.lock()
            let batch = self.pending
            self.pending = []
            self.writing = true
            self.condition.unlock()
            batch.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = write(self.fd, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 && errno == EINTR { continue }
                    if written <= 0 { break }
                    offset += written
                }
            }
            self.condition.lock()
            self.writing = false
            self.condition.broadcast()
            self.condition.unlock()
        }
    }
}
