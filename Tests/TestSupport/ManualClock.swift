import Application
package import Foundation
import Synchronization

/// A `WallClock` that moves only when a test moves it.
package final class ManualClock: WallClock {
    private let current: Mutex<Date>

    package init(_ start: Date) {
        self.current = Mutex(start)
    }

    package func now() -> Date {
        self.current.withLock { $0 }
    }

    package func advance(by seconds: TimeInterval) {
        self.current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    package func set(_ date: Date) {
        self.current.withLock { $0 = date }
    }
}
