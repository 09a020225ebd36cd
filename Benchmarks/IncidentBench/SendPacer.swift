import Transport

/// Sends the messages of the senders that live on one client loop, from a timer on that loop.
///
/// A task per sender woke a Dispatch timer and crossed into the loop for every message: at 5 000 messages/s that
/// cost the bench more CPU than receiving 50 000 frames, CPU the measured service then lacked on a 2-core machine.
/// The pacer wakes at most every `granularity` and sends every message that is due; each carries the time it was
/// actually written, so latency is still measured from the real send. Loop-confined.
final class SendPacer: @unchecked Sendable {
    struct Sender {
        let client: WebSocketClient
        let id: Int
        let room: Int
        /// Stagger over one interval so that the senders' messages spread evenly.
        let offset: Double
        var sent = 0
        var stopped = false
    }

    private let loop: EventLoop
    private var senders: [Sender]
    private let start: UInt64
    private let interval: Double
    private let window: Range<UInt64>
    private let granularity: UInt64
    private let padding = String(repeating: "x", count: 24)
    /// Messages sent inside the measuring window, per room.
    private var sentInWindow: [Int]
    private var finished: CheckedContinuation<[Int], Never>?

    init(
        loop: EventLoop,
        senders: [Sender],
        rooms: Int,
        start: UInt64,
        interval: Double,
        window: Range<UInt64>,
        granularity: UInt64 = 500_000
    ) {
        self.loop = loop
        self.senders = senders
        self.start = start
        self.interval = interval
        self.window = window
        self.granularity = granularity
        self.sentInWindow = [Int](repeating: 0, count: rooms)
    }

    /// Sends until the end of the window; returns the messages sent inside it, per room.
    func run() async -> [Int] {
        await withCheckedContinuation { continuation in
            self.loop.execute {
                self.finished = continuation
                self.tick()
            }
        }
    }

    private func due(_ sender: Sender) -> UInt64 {
        self.start + UInt64(sender.offset + Double(sender.sent) * self.interval)
    }

    private func tick() {
        let now = monotonicNanos()
        var next = UInt64.max
        for i in self.senders.indices where !self.senders[i].stopped {
            while true {
                let due = self.due(self.senders[i])
                guard due < self.window.upperBound else {
                    self.senders[i].stopped = true
                    break
                }
                guard due <= now else {
                    next = min(next, due)
                    break
                }
                let sender = self.senders[i]
                let sentAt = monotonicNanos()
                let text =
                    "{\"type\":\"message\",\"content\":\"bench|\(sender.id)|\(sentAt)|\(sender.sent)|\(self.padding)\"}"
                guard sender.client.sendOnLoop(text: Array(text.utf8)) else {
                    self.senders[i].stopped = true
                    break
                }
                if self.window.contains(sentAt) { self.sentInWindow[sender.room] += 1 }
                self.senders[i].sent += 1
            }
        }
        if next == .max {
            self.finished?.resume(returning: self.sentInWindow)
            self.finished = nil
        } else {
            self.loop.schedule(at: max(next, now + self.granularity)) { self.tick() }
        }
    }
}
