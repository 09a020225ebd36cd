import Application
import Domain
import Transport

/// The WebSocket endpoints. Every refusal is a plain HTTP answer (401, 403, 404, 429, 503), never a 101.
///
/// An upgrade first counts as an attempt of its client address (429 past the rate, before anything else is done
/// for it), then is authenticated, then admitted against the connection caps (503 past them).
struct SocketRoutes {
    let endpoint: Endpoint
    let hub: RoomHub

    func register(on router: Router) {
        let endpoint = self.endpoint
        let services = endpoint.services
        let hub = self.hub
        router.addWebSocket("/ws/notifications") { request in
            var principal: Principal?
            do {
                let (caller, ticket, loop) = try await Self.admit(request, to: nil, endpoint: endpoint)
                principal = caller
                return .accept(
                    WebSocketAcceptance(
                        delegate: NotificationSession(
                            principal: caller, services: services, hub: hub, loop: loop, ticket: ticket),
                        maxMessageSize: 64 * 1024))
            } catch {
                return .reject(endpoint.failure(error, request, user: principal?.userID))
            }
        }
        router.addWebSocket("/ws/:room_id") { request in
            var principal: Principal?
            do {
                // The query is checked before anything is looked up or counted.
                let lastSequence = try endpoint.optionalInteger(request, "last_seq")
                let lastRev = try endpoint.optionalInteger(request, "last_rev")
                // A path that is not a room id is no room: 404, as for an unknown room (still an attempt).
                let roomID = RoomID(request.pathParameters["room_id"]?.lowercased() ?? "")
                let (caller, ticket, loop) = try await Self.admit(
                    request, to: .some(roomID), endpoint: endpoint)
                principal = caller
                guard let roomID else { throw DomainError.notFound("Room") }
                let resume = lastSequence.map { RoomSession.Resume(lastSequence: $0, lastRev: lastRev) }
                let session = RoomSession(
                    roomID: roomID, principal: caller, resume: resume, services: services, hub: hub, loop: loop,
                    ticket: ticket)
                return .accept(WebSocketAcceptance(delegate: session, maxMessageSize: 1 << 20))
            } catch {
                return .reject(endpoint.failure(error, request, user: principal?.userID))
            }
        }
    }

    /// The attempt, the caller, their access to the room (`room` is nil for the notifications socket, `.some(nil)`
    /// for a room path that names no room), and their place under the caps; throws the refusal to answer with.
    private static func admit(_ request: HTTPRequest, to room: RoomID??, endpoint: Endpoint) async throws -> (
        Principal, ConnectionAdmission.Ticket, EventLoop
    ) {
        let services = endpoint.services
        let address = endpoint.clientAddress(request)
        try services.admission.attempt(from: address, at: services.deps.clock.now())
        let principal: Principal
        do {
            principal = try await services.authenticate(token: Endpoint.bearerToken(request, allowQuery: true))
        } catch {
            services.log.info("auth_failed", ["path": request.path, "address": address])
            throw error
        }
        if let room {
            guard let room else { throw DomainError.notFound("Room") }
            _ = try await RoomAccess.resolve(room, for: principal, in: services.deps)
        }
        guard let loop = request.eventLoop else { throw DomainError.unavailable }
        let ticket = try services.admission.admit(address: address, user: principal.userID, room: room ?? nil)
        return (principal, ticket, loop)
    }
}
