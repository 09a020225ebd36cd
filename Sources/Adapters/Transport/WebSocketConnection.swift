import Synchronization

/// A thread-safe handle on one server-side WebSocket connection; every method may be called from any thread.
///
/// `send` appends the shared frame to a small mutex-guarded list and asks the owning loop to flush it once per
/// loop iteration, so a broadcast to many connections costs one append each and one wake-up per loop, never a
/// task per frame. Output is bounded in bytes and frames: past either bound the connection is closed with 1013
/// (the client resumes with `last_seq`), so one slow reader never grows memory or slows the room.
package final class WebSocketConnection: Sendable, Hashable, LoopFlushable {
    /// Unique within the process.
    package let id: UInt64
    /// The peer's IP address.
    package let remoteAddress: String
    let loop: EventLoop
    private let maxOutboundBytes: Int
    private let maxOutboundFrames: Int
    private let pending = Mutex<Pending>(Pending())
    /// Bytes and frames queued, in the handle or in the connection's socket queue, not yet written.
    let queuedBytes = Atomic<Int>(0)
    let queuedFrames = Atomic<Int>(0)
    private let owner: Owner

    struct Pending {
        var frames: [ByteStorage] = []
        var scheduled = false
        var overflowed = false
        var closeRequest: (code: WebSocketCloseCode, reason: String)?
        /// The application wants no input for now (its inbox is full).
        var readingPaused = false
        var closed = false
    }

    /// What the loop takes from the handle on a flush.
    struct Drained {
        var frames: [ByteStorage]
        var overflowed: Bool
        var closeRequest: (code: WebSocketCloseCode, reason: String)?
        var readingPaused: Bool
    }

    /// A weak link to the loop-confined connection; read and written only on the owning loop.
    final class Owner: @unchecked Sendable {
        weak var connection: Connection?
    }

    init(
        id: UInt64,
        remoteAddress: String,
        loop: EventLoop,
        maxOutboundBytes: Int,
        maxOutboundFrames: Int,
        connection: Connection
    ) {
        self.id = id
        self.remoteAddress = remoteAddress
        self.loop = loop
        self.maxOutboundBytes = maxOutboundBytes
        self.maxOutboundFrames = maxOutboundFrames
        self.owner = Owner()
        self.owner.connection = connection
    }

    /// Sends a text message.
    package func send(text: String) {
        self.send(OutboundFrame.text(text))
    }

    /// Queues a frame; the same frame may be sent to many connections. Dropped silently once the connection closes.
    package func send(_ frame: OutboundFrame) {
        if self.enqueue(frame) { self.loop.scheduleFlush(self) }
    }

    /// Queues `frame` on every connection of a broadcast. The connections that need a flush reach each loop as one
    /// batch: the loop wakes once and writes them back to back, where sending one by one from another thread could
    /// wake it several times per broadcast (each time it drained the handful queued so far).
    package static func send(_ frame: OutboundFrame, to connections: [WebSocketConnection]) {
        var batches: [ObjectIdentifier: (loop: EventLoop, targets: [any LoopFlushable])] = [:]
        for connection in connections where connection.enqueue(frame) {
            batches[ObjectIdentifier(connection.loop), default: (connection.loop, [])].targets.append(connection)
        }
        for batch in batches.values { batch.loop.scheduleFlush(batch.targets) }
    }

    /// Adds `frame` to the pending output; true when the loop has to be asked for a flush.
    private func enqueue(_ frame: OutboundFrame) -> Bool {
        let size = frame.count
        let bytes = self.queuedBytes.wrappingAdd(size, ordering: .relaxed).newValue
        let frames = self.queuedFrames.wrappingAdd(1, ordering: .relaxed).newValue
        // A single frame larger than the whole byte bound still goes out when nothing else waits: the bound
        // limits a backlog, not the message size (that is `maxMessageSize`'s job on the way in).
        let overflow = (bytes > self.maxOutboundBytes && bytes != size) || frames > self.maxOutboundFrames
        return self.pending.withLock { p -> Bool in
            guard !p.closed && !p.overflowed else { return false }
            if overflow {
                p.overflowed = true
                p.frames.removeAll()
            } else {
                p.frames.append(frame.storage)
            }
            guard !p.scheduled else { return false }
            p.scheduled = true
            return true
        }
    }

    /// Stops reading the peer's messages until `resumeReading()`: backpressure for an application whose inbox is
    /// full. The peer's frames wait in the kernel's buffers, and TCP slows the peer down.
    package func pauseReading() {
        self.setReadingPaused(true)
    }

    /// Reads the peer's messages again after `pauseReading()`.
    package func resumeReading() {
        self.setReadingPaused(false)
    }

    private func setReadingPaused(_ paused: Bool) {
        let schedule = self.pending.withLock { p -> Bool in
            guard !p.closed, p.readingPaused != paused else { return false }
            p.readingPaused = paused
            guard !p.scheduled else { return false }
            p.scheduled = true
            return true
        }
        if schedule { self.loop.scheduleFlush(self) }
    }

    /// Starts the closing handshake with `code` and `reason` after the frames already queued.
    package func close(code: WebSocketCloseCode, reason: String) {
        let schedule = self.pending.withLock { p -> Bool in
            guard !p.closed, p.closeRequest == nil else { return false }
            p.closeRequest = (code, reason)
            guard !p.scheduled else { return false }
            p.scheduled = true
            return true
        }
        if schedule { self.loop.scheduleFlush(self) }
    }

    func flushOnLoop() {
        self.owner.connection?.deliver(self.takePending())
    }

    /// Takes what `send` and `close` queued since the last flush (on the loop).
    func takePending() -> Drained {
        self.pending.withLock { p -> Drained in
            p.scheduled = false
            // Hand the array over instead of copying it; the next send starts a fresh one.
            let drained = Drained(
                frames: p.frames, overflowed: p.overflowed, closeRequest: p.closeRequest, readingPaused: p.readingPaused
            )
            p.frames = []
            p.closeRequest = nil
            return drained
        }
    }

    /// Marks the handle closed: later sends are dropped.
    func markClosed() {
        self.pending.withLock {
            $0.closed = true
            $0.frames = []
        }
    }

    /// Accounts for frames the loop wrote (or dropped).
    func didDequeue(frames: Int, bytes: Int) {
        self.queuedBytes.wrappingSubtract(bytes, ordering: .relaxed)
        self.queuedFrames.wrappingSubtract(frames, ordering: .relaxed)
    }

    /// The same connection.
    package static func == (a: WebSocketConnection, b: WebSocketConnection) -> Bool { a === b }

    /// Hashes the id.
    package func hash(into hasher: inout Hasher) {
        hasher.combine(self.id)
    }
}
