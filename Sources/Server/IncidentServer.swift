import HTTPCore
import Application
import Domain
import Foundation
import Transport

/// The running service: the routes over the use cases on the HTTP/WebSocket transport, plus the once-a-second
/// housekeeping (typing expiry).
final class IncidentServer: Sendable {
    let services: Services
    let hub: RoomHub
    let http: HTTPServer
    /// The routes, read-only once serving (the OpenAPI test compares them with the document).
    let router: Router
    private let housekeeping: Task<Void, Never>

    /// Builds and binds the server (`port` 0 picks a free port, for tests).
    init(
        deps: Dependencies, host: String, port: Int, reportTimeZone: TimeZone, limits: Configuration.Limits = .init(),
        log: Logger, site: StaticSite? = nil, proxies: TrustedProxies = TrustedProxies()
    ) async throws {
        let metrics = Metrics()
        let services = Services(
            deps: deps, reportTimeZone: reportTimeZone, admission: limits.sockets, log: log, metrics: metrics)
        let hub = RoomHub(events: services.events, metrics: metrics, clock: deps.clock)
        await deps.bus.subscribe { event in hub.handle(event) }

        let router = Router()
        let endpoint = Endpoint(services: services, proxies: proxies)
        AuthRoutes(endpoint: endpoint).register(on: router)
        RoomRoutes(endpoint: endpoint).register(on: router)
        MessageRoutes(endpoint: endpoint).register(on: router)
        FileRoutes(endpoint: endpoint).register(on: router)
        NotificationRoutes(endpoint: endpoint).register(on: router)
        OperationsRoutes(endpoint: endpoint).register(on: router)
        CatchUpRoutes(endpoint: endpoint).register(on: router)
        PeopleRoutes(endpoint: endpoint).register(on: router)
        AnnouncementRoutes(endpoint: endpoint).register(on: router)
        ServiceRoutes(endpoint: endpoint).register(on: router)
        SocketRoutes(endpoint: endpoint, hub: hub).register(on: router)
        router.headCheck = { request in await endpoint.headCheck(request) }
        router.fallback = { request, miss in
            switch miss {
            case .notFound:
                if let page = site?.response(to: request) { return page }
                return endpoint.json(404, services.presenter.error(.domain(.notFound("The path"))))
            case .methodNotAllowed(let allowed):
                var response = endpoint.json(
                    405,
                    .object([
                        "error": .object([
                            "code": .string("method_not_allowed"),
                            "message": .string("The method is not allowed on this path."),
                        ])
                    ]))
                response.headers.add("Allow", allowed.map(\.rawValue).joined(separator: ", "))
                return response
            }
        }

        var configuration = HTTPServer.Configuration()
        configuration.host = host
        configuration.port = port
        configuration.maxConnections = limits.connections
        let http = HTTPServer(configuration: configuration, router: router)
        try http.start()
        metrics.gauge("incident_open_connections") { Double(http.openConnections) }
        metrics.gauge("incident_websocket_sessions") { Double(hub.sessionCount) }

        self.services = services
        self.hub = hub
        self.http = http
        self.router = router
        self.housekeeping = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                await services.expireTyping()
                await services.expirePresence()
                await services.readReceipts.flush()
            }
        }
        log.info("listening", ["host": host, "port": String(http.port)])
    }

    var port: Int { self.http.port }

    /// Serves until SIGTERM or SIGINT, then shuts down gracefully.
    func runUntilSignalled() async {
        await self.http.shutdownOnSignals()
        self.housekeeping.cancel()
    }

    /// Graceful: stop accepting, close WebSockets with 1001, finish in-flight requests.
    func shutdown() async {
        self.housekeeping.cancel()
        await self.http.shutdown()
    }
}
