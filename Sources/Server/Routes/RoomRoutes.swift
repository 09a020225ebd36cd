import Application
import Domain
import HTTPCore
import Transport

/// Rooms, members, presence and the report.
struct RoomRoutes {
    let endpoint: Endpoint

    func register(on router: Router) {
        let endpoint = self.endpoint
        let services = endpoint.services
        let presenter = services.presenter

        router.add(.post, "/api/rooms", body: .buffer(limit: 64 * 1024)) { request in
            await endpoint.authenticated(request) { principal in
                let body = try endpoint.body(request)
                let create = CreateRoom.Request(
                    title: try body.requiredString("title"),
                    incidentType: try body.enumeration("incident_type", IncidentType.self)
                        ?? { throw DomainError.validationFailed(field: "incident_type", reason: "is required") }(),
                    severity: try body.enumeration("severity", Severity.self)
                        ?? { throw DomainError.validationFailed(field: "severity", reason: "is required") }(),
                    location: try body.string("location") ?? "", description: try body.string("description") ?? "",
                    lots: try body.strings("lots") ?? [])
                let room = try await services.createRoom(create, by: principal)
                services.log.info("room_created", user: principal.userID.rawValue, room: room.room.id.description)
                return endpoint.json(201, presenter.room(room))
            }
        }
        router.add(.get, "/api/rooms") { request in
            await endpoint.authenticated(request) { principal in
                let filter = ListRooms.Filter(
                    status: try endpoint.enumeration(request, "status", RoomStatus.self),
                    incidentType: try endpoint.enumeration(request, "incident_type", IncidentType.self),
                    severity: try endpoint.enumeration(request, "severity", Severity.self),
                    text: request.query("q").flatMap { $0.isEmpty ? nil : $0 },
                    unreadOnly: try endpoint.boolean(request, "unread") ?? false,
                    sort: try endpoint.enumeration(request, "sort", RoomSort.self) ?? .activity,
                    limit: try endpoint.integer(request, "limit", default: 20, in: 1...200),
                    offset: try endpoint.integer(request, "offset", default: 0, in: 0...1_000_000))
                let (rooms, total) = try await services.listRooms(filter, by: principal)
                return endpoint.json(
                    200,
                    .object([
                        "rooms": .array(rooms.map(presenter.room)), "total": .number(Double(total)),
                        "limit": .number(Double(filter.limit)), "offset": .number(Double(filter.offset)),
                    ]))
            }
        }
        router.add(.get, "/api/rooms/:room_id") { request in
            await endpoint.authenticated(request) { principal in
                endpoint.json(
                    200, presenter.room(try await services.getRoom(try endpoint.roomID(request), by: principal)))
            }
        }
        router.add(.patch, "/api/rooms/:room_id", body: .buffer(limit: 64 * 1024)) { request in
            await endpoint.authenticated(request) { principal in
                let roomID = try endpoint.roomID(request)
                let body = try endpoint.body(request)
                let changes = RoomChanges(
                    title: try body.string("title"), severity: try body.enumeration("severity", Severity.self),
                    status: try body.enumeration("status", RoomStatus.self), location: try body.string("location"),
                    description: try body.string("description"), lots: try body.strings("lots"))
                let room = try await services.updateRoom(roomID, changes: changes, by: principal)
                services.log.info("room_updated", user: principal.userID.rawValue, room: roomID.description)
                return endpoint.json(200, presenter.room(room))
            }
        }

        router.add(.get, "/api/rooms/:room_id/members") { request in
            await endpoint.authenticated(request) { principal in
                let members = try await services.listMembers(try endpoint.roomID(request), by: principal)
                return endpoint.json(200, .object(["members": .array(members.map(presenter.member))]))
            }
        }
        router.add(.post, "/api/rooms/:room_id/members", body: .buffer(limit: 16 * 1024)) { request in
            await endpoint.authenticated(request) { principal in
                let roomID = try endpoint.roomID(request)
                let body = try endpoint.body(request)
                let member = try await services.addMember(
                    UserID(try body.requiredString("user_id")),
                    role: try body.enumeration("role", Role.self) ?? .editor, to: roomID, by: principal)
                services.log.info(
                    "member_added", user: principal.userID.rawValue, room: roomID.description,
                    ["member": member.userID.rawValue])
                return endpoint.json(201, presenter.member(member))
            }
        }
        router.add(.patch, "/api/rooms/:room_id/members/:user_id", body: .buffer(limit: 16 * 1024)) { request in
            await endpoint.authenticated(request) { principal in
                let roomID = try endpoint.roomID(request)
                let body = try endpoint.body(request)
                guard let role = try body.enumeration("role", Role.self) else {
                    throw DomainError.validationFailed(field: "role", reason: "is required")
                }
                let member = try await services.changeMemberRole(
                    UserID(request.pathParameters["user_id"] ?? ""), to: role, in: roomID, by: principal)
                return endpoint.json(200, presenter.member(member))
            }
        }
        router.add(.delete, "/api/rooms/:room_id/members/:user_id") { request in
            await endpoint.authenticated(request) { principal in
                let roomID = try endpoint.roomID(request)
                let member = UserID(request.pathParameters["user_id"] ?? "")
                try await services.removeMember(member, from: roomID, by: principal)
                services.log.info(
                    "member_removed", user: principal.userID.rawValue, room: roomID.description,
                    ["member": member.rawValue])
                return .empty(204)
            }
        }

        router.add(.get, "/api/rooms/:room_id/online") { request in
            await endpoint.authenticated(request) { principal in
                let users = try await services.presence(.online, in: try endpoint.roomID(request), by: principal)
                return endpoint.json(200, .object(["users": .array(users.map { presenter.presence($0, since: true) })]))
            }
        }
        router.add(.get, "/api/rooms/:room_id/typing") { request in
            await endpoint.authenticated(request) { principal in
                let users = try await services.presence(.typing, in: try endpoint.roomID(request), by: principal)
                return endpoint.json(
                    200, .object(["users": .array(users.map { presenter.presence($0, since: false) })]))
            }
        }
        router.add(.get, "/api/rooms/:room_id/report") { request in
            await endpoint.authenticated(request) { principal in
                // Refusals are known before the head is sent; the timeline then streams a page at a time.
                let report = try await services.report.prepare(try endpoint.roomID(request), by: principal)
                return HTTPResponse(
                    status: 200, headers: ["Content-Type": "text/markdown; charset=utf-8"],
                    body: .stream { writer in try await report.write { try await writer.write($0) } })
            }
        }
    }
}
