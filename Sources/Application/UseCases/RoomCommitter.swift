package import Domain
import Synchronization

/// The one place that decides the order of a room's stored changes, and publishes them in that order.
///
/// Per room, one job runs at a time: messages (consecutive ones stored together in one transaction: group commit),
/// and every other change (system messages that record room changes, edits, deletions, reactions, pins). A job's
/// events are published on the bus before its caller hears the result and before the room's next job runs, so
/// every connection of the room sees the changes in the order they were stored and an ack never overtakes its
/// broadcast: the fan-out only fans out.
///
/// A room's jobs run on the executor of the caller that found its queue idle (a WebSocket session passes its
/// connection's event loop), so a message reaches the store and comes back without a detour through other threads.
package final class RoomCommitter: Sendable {
    private enum Job {
        case message(NewMessage, done: @Sendable (Result<AppendResult, any Error>) -> Void)
        case change(@Sendable () async -> Void)
    }

    private struct Queue {
        var jobs: [Job] = []
        var head = 0
        var running = false

        var isEmpty: Bool { self.head == self.jobs.count }

        mutating func append(_ job: Job) { self.jobs.append(job) }

        /// The next job, or the longest run of messages at the front (at most `limit`).
        mutating func take(upTo limit: Int) -> Work? {
            guard !self.isEmpty else { return nil }
            defer {
                if self.head == self.jobs.count {
                    self.jobs.removeAll(keepingCapacity: self.jobs.capacity <= 1024)
                    self.head = 0
                }
            }
            if case .change(let run) = self.jobs[self.head] {
                self.head += 1
                return .change(run)
            }
            var batch: [(NewMessage, @Sendable (Result<AppendResult, any Error>) -> Void)] = []
            while self.head < self.jobs.count, batch.count < limit,
                case .message(let message, let done) = self.jobs[self.head]
            {
                batch.append((message, done))
                self.head += 1
            }
            return .messages(batch)
        }
    }

    private enum Work {
        case messages([(NewMessage, @Sendable (Result<AppendResult, any Error>) -> Void)])
        case change(@Sendable () async -> Void)
        /// Nothing new: publish what was committed before giving the queue up.
        case publish
    }

    private struct State {
        var queues: [RoomID: Queue] = [:]
        /// Messages whose commit failed without a clear answer (the connection was lost around COMMIT) and that
        /// could not be looked up: if a retry finds one stored, nobody has seen it live yet, so it is published.
        var unconfirmed: Set<MessageID> = []
    }

    private let store: any MessageStore
    private let bus: any RoomEventBus
    private let maximumBatch: Int
    private let state = Mutex(State())

    package init(store: any MessageStore, bus: any RoomEventBus, maximumBatch: Int = 500) {
        self.store = store
        self.bus = bus
        self.maximumBatch = maximumBatch
    }

    // MARK: - Submitting

    /// Queues a message behind the room's earlier jobs and returns at once; `done` hears the result after the
    /// commit and the broadcast (on the thread that ran the job). A connection can have many in flight and they
    /// keep their order. `executor`, when the queue was idle, runs the room's jobs.
    package func enqueue(
        _ message: NewMessage, on executor: (any TaskExecutor)? = nil,
        done: @escaping @Sendable (Result<AppendResult, any Error>) -> Void
    ) {
        self.submit(.message(message, done: done), in: message.roomID, on: executor)
    }

    /// Runs `change` after the room's earlier jobs and before its later ones; the events it returns are published,
    /// in order, before this returns its value. A change that throws publishes nothing.
    package func perform<T: Sendable>(
        in room: RoomID, on executor: (any TaskExecutor)? = nil,
        _ change: @escaping @Sendable () async throws -> (T, [LiveEvent])
    ) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            self.submit(
                .change({
                    do {
                        let (value, events) = try await change()
                        for event in events { await self.bus.publish(event) }
                        continuation.resume(returning: value)
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }), in: room, on: executor)
        }
    }

    private func submit(_ job: Job, in room: RoomID, on executor: (any TaskExecutor)?) {
        let starts = self.state.withLock { state -> Bool in
            state.queues[room, default: Queue()].append(job)
            guard !state.queues[room]!.running else { return false }
            state.queues[room]!.running = true
            return true
        }
        // One task per burst of work, not per message: later jobs join the queue this task drains.
        guard starts else { return }
        if let executor {
            Task(executorPreference: executor) { await self.drain(room) }
        } else {
            Task { await self.drain(room) }
        }
    }

    // MARK: - Running

    /// A batch committed and not yet published.
    private struct Committed {
        var batch: [(NewMessage, @Sendable (Result<AppendResult, any Error>) -> Void)]
        var outcomes: [Result<AppendResult, any Error>]
    }

    /// Runs the room's jobs. A committed batch is published while the next one commits, so the database never
    /// waits for the fan-out; publications stay in order (a batch after the one before it, a change after both),
    /// and the queue is given up only once nothing is left to publish.
    private func drain(_ room: RoomID) async {
        var committed: Committed?
        while let work = self.next(in: room, idle: committed == nil) {
            switch work {
            case .messages(let batch):
                async let outcomes = self.store(batch.map(\.0))
                if let previous = committed { await self.publish(previous) }
                committed = Committed(batch: batch, outcomes: await outcomes)
            case .change(let run):
                if let previous = committed { await self.publish(previous) }
                committed = nil
                await run()
            case .publish:
                if let previous = committed { await self.publish(previous) }
                committed = nil
            }
        }
    }

    /// The next work of the room; when there is none, `.publish` while something waits to be published, else nil
    /// (and the room's queue is released).
    private func next(in room: RoomID, idle: Bool) -> Work? {
        self.state.withLock { state -> Work? in
            if let work = state.queues[room]?.take(upTo: self.maximumBatch) { return work }
            guard idle else { return .publish }
            state.queues[room] = nil
            return nil
        }
    }

    private func store(_ drafts: [NewMessage]) async -> [Result<AppendResult, any Error>] {
        do {
            return try await self.store.append(drafts).map { .success($0) }
        } catch {
            return await self.recover(drafts, from: error)
        }
    }

    private func publish(_ committed: Committed) async {
        for outcome in committed.outcomes {
            guard case .success(let result) = outcome else { continue }
            switch result {
            case .stored(let message):
                await self.bus.publish(.messageCreated(message))
            case .duplicate(let message):
                // A retry of a message whose first commit ended without an answer: if it was stored then, nobody
                // saw it live; publish it now, once.
                let unseen = self.state.withLock { $0.unconfirmed.remove(message.id) != nil }
                if unseen { await self.bus.publish(.messageCreated(message)) }
            }
        }
        for ((_, done), outcome) in zip(committed.batch, committed.outcomes) { done(outcome) }
    }

    /// After a failed group commit: was anything stored after all (the connection lost around COMMIT), and can the
    /// others be stored alone (one bad row must not fail the messages of everyone else in the group)?
    private func recover(_ drafts: [NewMessage], from error: any Error) async -> [Result<AppendResult, any Error>] {
        var outcomes: [Result<AppendResult, any Error>] = []
        for draft in drafts {
            do {
                if let stored = try await self.store.message(id: draft.id) {
                    outcomes.append(.success(.stored(stored)))
                } else if drafts.count > 1, !Self.isOutage(error) {
                    outcomes.append(.success(try await self.store.append([draft])[0]))
                } else {
                    outcomes.append(.failure(error))
                }
            } catch let lookupError {
                if Self.isOutage(lookupError) {
                    // Unknown whether it was stored: a retry that finds it will publish it. (Bounded: after a long
                    // outage the oldest are forgotten, and their clients fill the gap from history.)
                    self.state.withLock { state in
                        if state.unconfirmed.count >= 10_000 { state.unconfirmed.removeAll() }
                        state.unconfirmed.insert(draft.id)
                    }
                }
                outcomes.append(.failure(lookupError))
            }
        }
        return outcomes
    }

    private static func isOutage(_ error: any Error) -> Bool {
        (error as? DomainError) == .unavailable
    }
}
