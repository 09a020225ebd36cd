internal import Foundation

/// Dedicated threads for blocking libpq calls, so no Swift concurrency executor or event loop ever waits on the
/// database. Threads start on demand, up to `maximumThreads`, and then stay, waiting for work.
final class PostgresThreadPool: @unchecked Sendable {
    // Guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var jobHead = 0
    private var threads = 0
    private var idleThreads = 0
    private var isShutDown = false
    private let maximumThreads: Int
    private let name: String

    init(maximumThreads: Int, name: String) {
        self.maximumThreads = max(1, maximumThreads)
        self.name = name
    }

    /// Runs `work` on one of the pool's threads and resumes the caller with its result.
    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            self.submit {
                do {
                    continuation.resume(returning: try work())
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    private func submit(_ job: @escaping @Sendable () -> Void) {
        self.condition.lock()
        self.jobs.append(job)
        let startThread = self.idleThreads == 0 && self.threads < self.maximumThreads
        if startThread { self.threads += 1 }
        self.condition.signal()
        self.condition.unlock()
        if startThread {
            let thread = Thread { [self] in self.loop() }
            thread.name = self.name
            thread.start()
        }
    }

    private func loop() {
        while true {
            self.condition.lock()
            while self.jobHead == self.jobs.count && !self.isShutDown {
                self.idleThreads += 1
                self.condition.wait()
                self.idleThreads -= 1
            }
            if self.jobHead == self.jobs.count {
                self.threads -= 1
                self.condition.unlock()
                return
            }
            let job = self.jobs[self.jobHead]
            self.jobHead += 1
            if self.jobHead > 256 && self.jobHead * 2 > self.jobs.count {
                self.jobs.removeFirst(self.jobHead)
                self.jobHead = 0
            }
            self.condition.unlock()
            job()
        }
    }

    /// Lets the threads finish the queued work and exit.
    func shutDown() {
        self.condition.lock()
        self.isShutDown = true
        self.condition.broadcast()
        self.condition.unlock()
    }
}
