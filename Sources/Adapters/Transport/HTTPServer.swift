import Dispatch
internal import Glibc
import Synchronization

/// The HTTP/1.1 and WebSocket server: one epoll loop per core sharing one listening socket.
package final class HTTPServer: Sendable {
    private let context: ServerContext
    private let state = Mutex<State>(State())

    private struct State {
        var loops: [EventLoop] = []
        var listenerFD: Int32 = -1
        var port = 0
        var started = false
        var stopped = false
    }

    /// A server for `router`; nothing happens until `start()`.
    package init(configuration: Configuration, router: Router) {
        self.context = ServerContext(configuration: configuration, router: router)
    }

    /// The bound port (useful with port 0); 0 before `start()`.
    package var port: Int { self.state.withLock { $0.port } }

    /// The event loops, for tests and tools that want to run clients on them.
    package var loops: [EventLoop] { self.state.withLock { $0.loops } }

    /// Open client connections, on every loop.
    package var openConnections: Int { self.context.openConnections.load(ordering: .relaxed) }
    /// Whether `shutdown()` has begun: responses from now on close their connection.
    package var isDraining: Bool { self.context.draining.load(ordering: .relaxed) }

    /// Binds and starts the loops. Throws `SystemError` (errno 98, "address already in use") when the port is taken.
    package func start() throws {
        try self.state.withLock { state throws in
            precondition(!state.started, "start() called twice")
            Self.raiseFileLimit()
            let configuration = self.context.configuration
            let fd = try Socket.listen(host: configuration.host, port: configuration.port)
            state.listenerFD = fd
            state.port = Socket.localPort(fd)
            let shortest =
                [
                    configuration.headerTimeout, configuration.idleTimeout, configuration.pingInterval,
                    configuration.pongTimeout, configuration.bodyWindow,
                ].map(\.nanoseconds).min() ?? 1_000_000_000
            for index in 0..<configuration.eventLoops {
                let loop = try EventLoop(index: index)
                // Deadlines are checked a few times per shortest timeout, never more often than every 5 ms.
                loop.sweepInterval = min(250_000_000, max(5_000_000, shortest / 4))
                loop.flushDelay = configuration.flushDelay.nanoseconds
                state.loops.append(loop)
            }
            for loop in state.loops {
                // Registered before the thread starts, so no other thread touches the loop's state yet.
                let listener = Listener(fd: fd, loop: loop, loops: state.loops, server: self.context)
                loop.register(fd, listener, events: Listener.events)
            }
            for loop in state.loops { loop.start() }
            state.started = true
        }
    }

    /// Graceful shutdown: stop accepting, close WebSockets with 1001, let in-flight requests finish (with
    /// `Connection: close`), then stop the loops; whatever is still open after `shutdownTimeout` is closed.
    package func shutdown() async {
        let loops = self.state.withLock { state -> [EventLoop] in
            guard state.started, !state.stopped else { return [] }
            state.stopped = true
            return state.loops
        }
        guard !loops.isEmpty else { return }
        self.context.draining.store(true, ordering: .relaxed)
        for loop in loops {
            loop.execute {
                for handler in loop.registeredHandlers {
                    if let listener = handler as? Listener { listener.stopAccepting() }
                    if let connection = handler as? Connection { connection.beginShutdown() }
                }
            }
        }
        let deadline = ContinuousClock.now + self.context.configuration.shutdownTimeout
        while self.context.openConnections.load(ordering: .relaxed) > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        for loop in loops { loop.stopAndJoin() }
        self.state.withLock { state in
            if state.listenerFD >= 0 { close(state.listenerFD) }
            state.listenerFD = -1
        }
    }

    /// Waits for SIGTERM or SIGINT, then shuts down gracefully.
    package func shutdownOnSignals() async {
        await SignalWaiter.wait(for: [SIGTERM, SIGINT])
        await self.shutdown()
    }

    private static func raiseFileLimit() {
        // Thousands of WebSockets need thousands of fds; the soft limit is often 1024.
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}
