/// A thread-safe handle whose queued output its loop must move to the socket.
protocol LoopFlushable: AnyObject, Sendable {
    /// Called on the owning loop's thread.
    func flushOnLoop()
}
