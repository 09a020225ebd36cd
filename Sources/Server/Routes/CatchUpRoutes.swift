import Application
import Domain
import Transport

/// Read markers, read receipts, mentions and pins (API.md revision 2: catching up and key events).
struct CatchUpRoutes {
    let endpoint: Endpoint

    func register(on router: Router) {
        let endpoint = self.endpoint
        let services = endpoint.services
        let presenter = services.presenter

        router.add(.post, "/api/rooms/:room_id/read", body: .buffer(limit: 4096)) { request in
            await endpoint.authenticated(request) { principal in
                let roomID = try endpoint.roomID(request)
                guard let sequence = try endpoint.body(request).nonNegativeInteger("sequence_number") else {
                    throw DomainError.validationFailed(field: "sequence_number", reason: "is required")
                }
                let marker = try await services.markRoomRead(roomID, upTo: sequence, by: principal)
                return endpoint.json(200, presenter.readMarker(marker))
            }
        }
        router.add(.get, "/api/rooms/:room_id/read-receipts") { request in
            await endpoint.authenticated(request) { principal in
                let entries = try await services.listReadReceipts(try endpoint.roomID(request), by: principal)
                return endpoint.json(
                    200,
                    .object([
                        "receipts": .array(
                            entries.map {
                                .object(
                                    presenter.receipt(
                                        user: $0.userID, displayName: $0.displayName,
                                        lastReadSequence: $0.lastReadSequence, readAt: $0.readAt))
                            })
                    ]))
            }
        }
        router.add(.get, "/api/mentions") { request in
            await endpoint.authenticated(request) { principal in
                var cursor: MentionCursor?
                if let text = request.query("before") {
                    guard let parsed = MentionCursor(token: text) else {
                        throw DomainError.invalidParameter(
                            name: "before", reason: "must be the next_before of an earlier page")
                    }
                    cursor = parsed
                }
                let page = try await services.listMentions(
                    after: cursor, limit: try endpoint.integer(request, "limit", default: 50, in: 1...200),
                    by: principal)
                return endpoint.json(
                    200,
                    .object([
                        "messages": .array(page.messages.map(presenter.message)), "has_more": .bool(page.hasMore),
                        "next_before": page.next.map { .string($0.token) } ?? .null,
                    ]))
            }
        }
        router.add(.get, "/api/rooms/:room_id/pins") { request in
            await endpoint.authenticated(request) { principal in
                let messages = try await services.listPins(try endpoint.roomID(request), by: principal)
                return endpoint.json(200, .object(["messages": .array(messages.map(presenter.message))]))
            }
        }
        // POST pins and answers with the message; DELETE unpins and answers 204 (API.md, revision 2).
        for pinned in [true, false] {
            router.add(pinned ? .post : .delete, "/api/messages/:message_id/pin") { request in
                await endpoint.authenticated(request) { principal in
                    let id = try endpoint.messageID(request)
                    let result = try await services.pinMessage(id, pinned: pinned, by: principal)
                    if result.changed {
                        services.log.info(
                            pinned ? "message_pinned" : "message_unpinned", user: principal.userID.rawValue,
                            room: result.message.roomID.description, ["message": id.description])
                    }
                    return pinned ? endpoint.json(200, presenter.message(result.message)) : .empty(204)
                }
            }
        }
    }
}
