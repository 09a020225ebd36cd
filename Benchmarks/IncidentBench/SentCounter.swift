import Synchronization

/// Messages sent inside the measuring window, per room.
final class SentCounter: Sendable {
    let counts: Mutex<[Int]>
    init(rooms: Int) { self.counts = Mutex([Int](repeating: 0, count: rooms)) }
}
