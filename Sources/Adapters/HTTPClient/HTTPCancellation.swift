import Synchronization

/// Set when the task awaiting a request is cancelled; the I/O thread checks it between bounded waits.
final class HTTPCancellation: Sendable {
    private let flag = Atomic<Bool>(false)

    var isCancelled: Bool { self.flag.load(ordering: .relaxed) }

    func cancel() { self.flag.store(true, ordering: .relaxed) }
}
