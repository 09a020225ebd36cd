import Application
import Domain
import Transport

/// `GET /api/notifications`, `POST /api/notifications/{id}/read`, `POST /api/notifications/read-all`.
struct NotificationRoutes {
    let endpoint: Endpoint

    func register(on router: Router) {
        let endpoint = self.endpoint
        let services = endpoint.services
        router.add(.get, "/api/notifications") { request in
            await endpoint.authenticated(request) { principal in
                let unreadOnly: Bool
                switch request.query("unread") {
                case nil, "false", "0": unreadOnly = false
                case "true", "1": unreadOnly = true
                default: throw DomainError.invalidParameter(name: "unread", reason: "must be true or false")
                }
                let (notifications, unread) = try await services.listNotifications(
                    unreadOnly: unreadOnly, by: principal)
                return endpoint.json(
                    200,
                    .object([
                        "notifications": .array(notifications.map(services.presenter.notification)),
                        "unread_count": .number(Double(unread)),
                    ]))
            }
        }
        router.add(.post, "/api/notifications/read-all") { request in
            await endpoint.authenticated(request) { principal in
                try await services.markRead(nil, by: principal)
                return .empty(204)
            }
        }
        router.add(.post, "/api/notifications/:id/read") { request in
            await endpoint.authenticated(request) { principal in
                let id: NotificationID = try Endpoint.identifier(request.pathParameters["id"], "id")
                try await services.markRead(id, by: principal)
                return .empty(204)
            }
        }
    }
}
