package import Foundation
import Synchronization

/// A live connection's `RoomAccess`, kept between its messages so that sending does not read the room and the
/// membership from the store every time (the hot path of a busy room).
///
/// Forgotten whenever the room changes: every change of a room or of its members is committed together with a
/// `system` message, and the connection calls `roomChanged()` when one reaches it. Kept at most `maximumAge` anyway,
/// so that a change whose event was lost (another process, a dropped LISTEN connection) is seen within seconds.
package final class RoomAccessMemo: Sendable {
    package static let maximumAge: TimeInterval = 5

    private struct State {
        var access: RoomAccess?
        var readAt = Date.distantPast
        /// Raised by every change, so a read that started before a change is not kept after it.
        var generation = 0
    }

    private let state = Mutex(State())

    package init() {}

    /// The remembered access, unless it is older than `maximumAge` at `now`.
    package func access(at now: Date) -> RoomAccess? {
        self.state.withLock { state in
            guard let access = state.access, now.timeIntervalSince(state.readAt) < Self.maximumAge else { return nil }
            return access
        }
    }

    /// A token to pass to `remember` for a read that starts now.
    package func generation() -> Int {
        self.state.withLock { $0.generation }
    }

    /// Keeps `access`, read at `now`, unless the room changed since `generation` was taken.
    package func remember(_ access: RoomAccess, at now: Date, generation: Int) {
        self.state.withLock { state in
            guard state.generation == generation else { return }
            state.access = access
            state.readAt = now
        }
    }

    /// The room changed: the next message reads the access again.
    package func roomChanged() {
        self.state.withLock { state in
            state.generation += 1
            state.access = nil
        }
    }
}
