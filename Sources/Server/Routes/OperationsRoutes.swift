import Application
import Domain
import Transport

/// `GET /healthz` (alive), `GET /readyz` (the store answers), `GET /metrics` (Prometheus).
struct OperationsRoutes {
    let endpoint: Endpoint

    func register(on router: Router) {
        let endpoint = self.endpoint
        let services = endpoint.services
        router.add(.get, "/healthz") { _ in
            endpoint.json(200, .object(["status": .string("ok")]))
        }
        router.add(.get, "/readyz") { request in
            do {
                _ = try await services.deps.users.user(id: UserID("readiness-probe@localhost"))
                return endpoint.json(200, .object(["status": .string("ready")]))
            } catch {
                return endpoint.failure(DomainError.unavailable, request)
            }
        }
        router.add(.get, "/metrics") { _ in
            .text(200, services.metrics.render(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
    }
}
