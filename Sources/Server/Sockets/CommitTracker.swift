import Synchronization

/// Counts a connection's messages that are committing, so the session can wait until they are all in (before an
/// edit, a deletion or a reaction, which may refer to them) or until fewer than a bound are (backpressure).
final class CommitTracker: Sendable {
    private struct State {
        var inFlight = 0
        var waiters: [(limit: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())

    func begin() {
        self.state.withLock { $0.inFlight += 1 }
    }

    func end() {
        let ready = self.state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.inFlight -= 1
            let ready = state.waiters.filter { state.inFlight < $0.limit }.map(\.continuation)
            state.waiters.removeAll { state.inFlight < $0.limit }
            return ready
        }
        for continuation in ready { continuation.resume() }
    }

    /// Returns once fewer than `limit` commits are in flight; `wait(below: 1)` waits for all of them.
    func wait(below limit: Int) async {
        await withCheckedContinuation { continuation in
            let now = self.state.withLock { state -> Bool in
                guard state.inFlight >= limit else { return true }
                state.waiters.append((limit, continuation))
                return false
            }
            if now { continuation.resume() }
        }
    }
}
