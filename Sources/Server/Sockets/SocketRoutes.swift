import Application
import Domain
import Transport

/// The WebSocket endpoints. Every refusal is a plain HTTP answer (401, 403, 404, 400), never a 101.
struct SocketRoutes {
    let endpoint: Endpoint
    let hub: RoomHub

    func register(on router: Router) {
        let endpoint = self.endpoint
        let services = endpoint.services
        let hub = self.hub
        router.addWebSocket("/ws/notifications") { request in
            do {
                let principal = try await services.authenticate(token: Endpoint.bearerToken(request, allowQuery: true))
                return .accept(
                    WebSocketAcceptance(
                        delegate: NotificationSession(principal: principal, services: services, hub: hub),
                        maxMessageSize: 64 * 1024))
            } catch {
                services.log.info("auth_failed", ["path": request.path, "address": request.remoteAddress])
                return .reject(endpoint.failure(error, request))
            }
        }
        router.addWebSocket("/ws/:room_id") { request in
            var principal: Principal?
            do {
                principal = try await services.authenticate(token: Endpoint.bearerToken(request, allowQuery: true))
                guard let principal else { throw DomainError.unauthorized }
                guard let roomID = RoomID(request.pathParameters["room_id"]?.lowercased() ?? "") else {
                    throw DomainError.notFound("Room")
                }
                _ = try await RoomAccess.resolve(roomID, for: principal, in: services.deps)
                let lastSequence = try endpoint.optionalInteger(request, "last_seq")
                let lastRev = try endpoint.optionalInteger(request, "last_rev")
                let resume = lastSequence.map { (lastSequence: $0, lastRev: lastRev) }
                let session = RoomSession(
                    roomID: roomID, principal: principal, resume: resume, services: services, hub: hub)
                return .accept(WebSocketAcceptance(delegate: session, maxMessageSize: 1 << 20))
            } catch {
                if principal == nil {
                    services.log.info("auth_failed", ["path": request.path, "address": request.remoteAddress])
                }
                return .reject(endpoint.failure(error, request, user: principal?.userID))
            }
        }
    }
}
