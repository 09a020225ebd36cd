import Synchronization

/// What every connection of one server shares: configuration, routes and counters.
final class ServerContext: Sendable {
    let configuration: HTTPServer.Configuration
    let router: Router
    let headerTimeout: UInt64
    let idleTimeout: UInt64
    let pingInterval: UInt64
    let pongTimeout: UInt64
    let httpTiming: HTTPConnectionMachine.Timing
    private let nextID = Atomic<UInt64>(1)
    /// Set by a graceful shutdown: new requests get `Connection: close`, new upgrades are closed with 1001.
    let draining = Atomic<Bool>(false)
    /// Open client connections on every loop.
    let openConnections = Atomic<Int>(0)

    init(configuration: HTTPServer.Configuration, router: Router) {
        self.configuration = configuration
        self.router = router
        self.headerTimeout = configuration.headerTimeout.nanoseconds
        self.idleTimeout = configuration.idleTimeout.nanoseconds
        self.pingInterval = configuration.pingInterval.nanoseconds
        self.pongTimeout = configuration.pongTimeout.nanoseconds
        self.httpTiming = HTTPConnectionMachine.Timing(
            headerTimeout: configuration.headerTimeout.nanoseconds, idleTimeout: configuration.idleTimeout.nanoseconds,
            bodyWindow: configuration.bodyWindow.nanoseconds, minimumBodyBytes: configuration.minimumBodyBytes)
    }

    func makeConnectionID() -> UInt64 {
        self.nextID.wrappingAdd(1, ordering: .relaxed).oldValue
    }
}
