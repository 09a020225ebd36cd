import Application
import Foundation
import Synchronization

/// A `WallClock` that moves only when a test moves it.
final class ManualClock: WallClock {
    private let current: Mutex<Date>

    init(_ start: Date) {
        self.current = Mutex(start)
    }

    func now() -> Date {
        self.current.withLock { $0 }
    }

    func advance(by seconds: TimeInterval) {
        self.current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    func set(_ date: Date) {
        self.current.withLock { $0 = date }
    }
}
