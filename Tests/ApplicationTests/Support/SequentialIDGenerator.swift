import Application
import Foundation
import Synchronization

/// Ids 00000000-0000-4000-8000-000000000001, ...002, ... so a test can predict them.
final class SequentialIDGenerator: IDGenerator {
    private let counter = Mutex<UInt64>(0)

    func next() -> UUID {
        let value = self.counter.withLock { counter in
            counter += 1
            return counter
        }
        return Self.uuid(value)
    }

    /// How many ids were handed out.
    var issued: UInt64 { self.counter.withLock { $0 } }

    static func uuid(_ value: UInt64) -> UUID {
        let hex = String(value, radix: 16)
        let padded = String(repeating: "0", count: max(0, 12 - hex.count)) + hex
        return UUID(uuidString: "00000000-0000-4000-8000-\(padded)")!
    }
}
