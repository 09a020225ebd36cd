import Application
import Domain
import Transport

/// `POST /api/announcements` (admins) and `GET /api/announcements` (the last 24 hours).
struct AnnouncementRoutes {
    let endpoint: Endpoint

    func register(on router: Router) {
        let endpoint = self.endpoint
        let services = endpoint.services
        let presenter = services.presenter

        router.add(.post, "/api/announcements", body: .buffer(limit: 16 * 1024)) { request in
            await endpoint.authenticated(request) { principal in
                let body = try endpoint.body(request)
                let announcement = try await services.postAnnouncement(
                    message: try body.requiredString("message"),
                    severity: try body.enumeration("severity", AnnouncementSeverity.self) ?? .info, by: principal)
                services.log.info(
                    "announcement_posted", user: principal.userID.rawValue,
                    ["announcement": announcement.id.description, "severity": announcement.severity.rawValue])
                return endpoint.json(201, presenter.announcement(announcement))
            }
        }
        router.add(.get, "/api/announcements") { request in
            await endpoint.authenticated(request) { principal in
                let announcements = try await services.listAnnouncements(by: principal)
                return endpoint.json(
                    200, .object(["announcements": .array(announcements.map(presenter.announcement))]))
            }
        }
    }
}
