import Application
import Foundation
import Transport

/// A WebSocket session's queue of decoded client events, bounded in bytes and in count.
///
/// Once it is full the session stops reading the socket (`WebSocketConnection.pauseReading`): a client that sends
/// faster than its events are handled fills its own TCP buffers, not the server's memory. The rate limits decide how
/// fast events are handled; this bound only decides how much may wait.
struct SessionInbox {
    /// The bytes of queued events at which reading stops: one largest message (1 MiB), or many small ones.
    static let maximumBytes = 1 << 20
    static let maximumEvents = 1_024

    private var items: [(event: ClientEvent.Decoded, size: Int)] = []
    private var head = 0
    private(set) var bytes = 0

    var isEmpty: Bool { self.head == self.items.count }
    var count: Int { self.items.count - self.head }
    var isFull: Bool { self.bytes >= Self.maximumBytes || self.count >= Self.maximumEvents }
    var first: ClientEvent.Decoded? { self.isEmpty ? nil : self.items[self.head].event }

    /// Decodes and queues the messages of one read; a binary one closes the connection (1003), and a full inbox
    /// stops its reading. False when the connection was closed.
    mutating func take(_ messages: [WebSocketMessage], from connection: any SessionConnection) -> Bool {
        for message in messages {
            guard case .text(let bytes) = message else {
                connection.close(code: .unsupportedData, reason: "binary messages are not accepted")
                return false
            }
            self.append(ClientEvent.decode(bytes), size: bytes.count)
        }
        if self.isFull { connection.pauseReading() }
        return true
    }

    /// When, on the event loop's clock, `principal`'s token expires by `clock`: a session's one token timer.
    static func deadline(of principal: Principal, clock: any WallClock) -> UInt64 {
        let remaining = principal.tokenExpiresAt.timeIntervalSince(clock.now())
        return EventLoop.now() + UInt64(max(0, min(remaining, 365 * 86_400)) * 1e9)
    }

    mutating func append(_ event: ClientEvent.Decoded, size: Int) {
        self.items.append((event, size))
        self.bytes += size
    }

    mutating func removeFirst() {
        guard !self.isEmpty else { return }
        self.bytes -= self.items[self.head].size
        self.head += 1
        if self.head == self.items.count {
            self.items.removeAll(keepingCapacity: self.items.capacity <= 64)
            self.head = 0
        } else if self.head > 256 {
            self.items.removeFirst(self.head)
            self.head = 0
        }
    }

    mutating func removeAll() {
        self.items = []
        self.head = 0
        self.bytes = 0
    }
}
