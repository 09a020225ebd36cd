/// A loop is an executor: an actor whose `unownedExecutor` is a loop runs on that loop's thread, between socket
/// events, and a task that prefers a loop (`Task(executorPreference:)`) runs its nonisolated code there too.
///
/// This is how a WebSocket session keeps its state on its connection's loop and hands each message to the store
/// and back without hopping through the cooperative pool (docs/TRANSPORT.md, "Executors").
extension EventLoop: SerialExecutor, TaskExecutor {
    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        self.execute { job.runSynchronously(on: self.asUnownedSerialExecutor()) }
    }

    package func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    package func asUnownedTaskExecutor() -> UnownedTaskExecutor {
        UnownedTaskExecutor(ordinary: self)
    }

    /// Called by `assumeIsolated` from the loop's own callbacks (socket events), which run outside any job.
    package func checkIsolated() {
        precondition(self.inLoop, "not on event loop \(self.index)")
    }
}
