package import Domain
import Synchronization

/// Commits messages in groups: while a room's commit is in flight, new messages for that room wait, and the next
/// commit stores all of them in one transaction (ARCHITECTURE.md: group commit).
///
/// Each caller is answered only after its message is committed, and committed messages are published on the bus
/// in sequence order, before the callers are answered, so an ack never overtakes its broadcast. Publishing a batch
/// (the fan-out to every connection of the room) runs while the next batch commits, one batch after the other, so
/// the database never waits for the broadcast.
package final class GroupCommitter: Sendable {
    private struct Waiting {
        var message: NewMessage
        var done: @Sendable (Result<AppendResult, any Error>) -> Void
    }

    private struct Queue {
        var waiting: [Waiting] = []
        var committing = false
        /// The latest batch's publication; the next one starts after it, so events keep their sequence order.
        var publishing: Task<Void, Never>?
        var publications = 0
    }

    private let store: any MessageStore
    private let bus: any RoomEventBus
    private let maximumBatch: Int
    private let queues = Mutex<[RoomID: Queue]>([:])

    package init(store: any MessageStore, bus: any RoomEventBus, maximumBatch: Int = 500) {
        self.store = store
        self.bus = bus
        self.maximumBatch = maximumBatch
    }

    /// Stores the message (or finds its earlier copy by client id) and returns once it is committed and published.
    package func commit(_ message: NewMessage) async throws -> AppendResult {
        try await withCheckedThrowingContinuation { continuation in
            self.enqueue(message) { continuation.resume(with: $0) }
        }
    }

    /// Queues the message behind the room's earlier ones and returns at once; `done` hears the result after the
    /// commit and the broadcast. Messages of a room are stored in the order they were queued, so a connection can
    /// have many in flight and still keep its order.
    package func enqueue(_ message: NewMessage, done: @escaping @Sendable (Result<AppendResult, any Error>) -> Void) {
        let startsCommit = self.queues.withLock { queues in
            queues[message.roomID, default: Queue()].waiting.append(Waiting(message: message, done: done))
            guard !queues[message.roomID]!.committing else { return false }
            queues[message.roomID]!.committing = true
            return true
        }
        // One task per group, not per message: later messages join the queue this task drains.
        if startsCommit { Task { await self.drain(message.roomID) } }
    }

    private func drain(_ room: RoomID) async {
        while true {
            let batch: [Waiting] = self.queues.withLock { queues in
                let waiting = queues[room]?.waiting ?? []
                guard !waiting.isEmpty else {
                    queues[room]?.committing = false
                    if queues[room]?.publishing == nil { queues[room] = nil }
                    return []
                }
                let batch = Array(waiting.prefix(self.maximumBatch))
                queues[room]!.waiting.removeFirst(batch.count)
                return batch
            }
            guard !batch.isEmpty else { return }
            let outcome: Result<[AppendResult], any Error>
            do {
                outcome = .success(try await self.store.append(batch.map(\.message)))
            } catch {
                outcome = .failure(error)
            }
            self.publish(outcome, of: batch, in: room)
        }
    }

    /// Broadcasts a committed batch after the room's previous one, then answers its senders.
    private func publish(_ outcome: Result<[AppendResult], any Error>, of batch: [Waiting], in room: RoomID) {
        self.queues.withLock { queues in
            let previous = queues[room]?.publishing
            queues[room]!.publications += 1
            let number = queues[room]!.publications
            queues[room]!.publishing = Task {
                await previous?.value
                switch outcome {
                case .success(let results):
                    for result in results {
                        if case .stored(let message) = result { await self.bus.publish(.messageCreated(message)) }
                    }
                    for (waiting, result) in zip(batch, results) { waiting.done(.success(result)) }
                case .failure(let error):
                    for waiting in batch { waiting.done(.failure(error)) }
                }
                self.published(number, in: room)
            }
        }
    }

    private func published(_ number: Int, in room: RoomID) {
        self.queues.withLock { queues in
            guard let queue = queues[room], queue.publications == number else { return }
            if queue.committing || !queue.waiting.isEmpty {
                queues[room]!.publishing = nil
            } else {
                queues[room] = nil
            }
        }
    }
}
