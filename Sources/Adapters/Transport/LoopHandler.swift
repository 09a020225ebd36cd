/// Something that owns an fd on a loop. Touched only on that loop's thread.
protocol LoopHandler: AnyObject {
    /// Epoll reported `events` for the handler's fd.
    func handleEvents(_ events: UInt32)
    /// Periodic deadline check (timeouts, pings); `now` is monotonic nanoseconds.
    func tick(now: UInt64)
    /// The loop is stopping: release the fd (or leave a shared one to its owner).
    func loopStopping()
}
