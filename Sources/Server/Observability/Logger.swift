import Domain
import Foundation
import Synchronization

/// Structured logs: one JSON object a line on stderr (time, level, event, user, room, and fields).
///
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

    let minimum: Level
    private let lock = Mutex(())

    init(minimum: Level = .info) {
        self.minimum = minimum
    }

    func log(
        _ level: Level, _ event: String, user: String? = nil, room: String? = nil, _ fields: [String: String] = [:]
    ) {
        guard level >= self.minimum else { return }
        var line =
            "{\"time\":\"\(Timestamp.format(Date()))\",\"level\":\"\(level.rawValue)\",\"event\":\(Self.quote(event))"
        if let user { line += ",\"user\":\(Self.quote(user))" }
        if let room { line += ",\"room\":\(Self.quote(room))" }
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
            line += ",\(Self.quote(key)):\(Self.quote(value))"
        }
        line += "}\n"
        let bytes = Array(line.utf8)
        self.lock.withLock { _ in
            bytes.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = write(2, buffer.baseAddress! + offset, buffer.count - offset)
                    if written <= 0 { break }
                    offset += written
                }
            }
        }
    }

    func info(_ event: String, user: String? = nil, room: String? = nil, _ fields: [String: String] = [:]) {
        self.log(.info, event, user: user, room: room, fields)
    }

    func warning(_ event: String, user: String? = nil, room: String? = nil, _ fields: [String: String] = [:]) {
        self.log(.warning, event, user: user, room: room, fields)
    }

    private static func quote(_ text: String) -> String {
        var writer = JSONWriter(capacity: text.utf8.count + 2)
        writer.write(string: text)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}
