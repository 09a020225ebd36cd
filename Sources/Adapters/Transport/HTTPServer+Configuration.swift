internal import CLinuxShim

extension HTTPServer {
    /// Listening address, loop count, timeouts and WebSocket output bounds.
    package struct Configuration: Sendable {
        /// The address to bind (`0.0.0.0`, `127.0.0.1`, `::`).
        package var host: String = "0.0.0.0"
        /// The port; 0 picks a free one (read it back from `HTTPServer.port`).
        package var port: Int = 8000
        /// Event loops (threads); by default one per CPU this process may use.
        package var eventLoops: Int = Int(shim_cpu_count())
        /// Time allowed to send a complete request head; slower clients get 408 (slowloris).
        package var headerTimeout: Duration = .seconds(10)
        /// A keep-alive connection with no request for this long is closed.
        package var idleTimeout: Duration = .seconds(60)
        /// A request body must bring at least `minimumBodyBytes` in every `bodyWindow`, or it is answered 408: a
        /// client that uploads a byte a second cannot hold a connection (and a spool file) for hours.
        package var bodyWindow: Duration = .seconds(10)
        package var minimumBodyBytes: Int = 8 * 1024
        /// Open connections allowed in the process; past it a new connection gets 503 and is closed at once,
        /// and the open ones are served as before.
        package var maxConnections: Int = 10_000
        /// A WebSocket ping frame is sent this often.
        package var pingInterval: Duration = .seconds(30)
        /// A WebSocket whose pong has not come this long after a ping is closed.
        package var pongTimeout: Duration = .seconds(10)
        /// Unsent bytes allowed per WebSocket before it is closed with 1013.
        package var maxOutboundBytes: Int = 4 << 20
        /// Unsent frames allowed per WebSocket before it is closed with 1013.
        package var maxOutboundFrames: Int = 8192
        /// Decides on a WebSocket upgrade's `Origin` (nil when absent); false answers 403. Nil accepts all.
        package var originCheck: (@Sendable (String?) -> Bool)?
        /// How long WebSocket output may wait on its loop to be coalesced with more output for the same
        /// connections (fewer `writev` calls and wake-ups per frame, more latency). Zero, the default, flushes at
        /// the end of every loop iteration. See docs/PERFORMANCE.md.
        package var flushDelay: Duration = .zero
        /// How long a graceful shutdown waits for in-flight requests and closing handshakes.
        package var shutdownTimeout: Duration = .seconds(10)

        /// The defaults are the production values (API.md); tests shorten the timeouts.
        package init(
            host: String = "0.0.0.0",
            port: Int = 8000,
            eventLoops: Int = Int(shim_cpu_count()),
            headerTimeout: Duration = .seconds(10),
            idleTimeout: Duration = .seconds(60),
            pingInterval: Duration = .seconds(30),
            pongTimeout: Duration = .seconds(10),
            maxOutboundBytes: Int = 4 << 20,
            maxOutboundFrames: Int = 8192,
            originCheck: (@Sendable (String?) -> Bool)? = nil
        ) {
            self.host = host
            self.port = port
            self.eventLoops = max(1, eventLoops)
            self.headerTimeout = headerTimeout
            self.idleTimeout = idleTimeout
            self.pingInterval = pingInterval
            self.pongTimeout = pongTimeout
            self.maxOutboundBytes = maxOutboundBytes
            self.maxOutboundFrames = maxOutboundFrames
            self.originCheck = originCheck
        }
    }
}

extension Duration {
    /// The duration in whole nanoseconds (negative durations count as zero).
    var nanoseconds: UInt64 {
        let (seconds, attoseconds) = self.components
        guard seconds >= 0 else { return 0 }
        return UInt64(seconds) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
    }
}
