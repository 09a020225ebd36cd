package import Foundation

/// The time, injected so tests control it.
package protocol WallClock: Sendable {
    func now() -> Date
}

/// The system clock.
package struct SystemClock: WallClock {
    package init() {}
    package func now() -> Date { Date() }
}
