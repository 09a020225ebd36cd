import Application
import Foundation
import Domain
import Transport

/// Messages: history, sending, editing, deleting, reactions, edit history, search and readings.
struct MessageRoutes {
    let endpoint: Endpoint

    func register(on router: Router) {
        let endpoint = self.endpoint
        let services = endpoint.services
        let presenter = services.presenter

        router.add(.get, "/api/rooms/:room_id/messages") { request in
            await endpoint.authenticated(request) { principal in
                let roomID = try endpoint.roomID(request)
                let limit = try endpoint.integer(request, "limit", default: 50, in: 1...200)
                let kind = try endpoint.enumeration(request, "message_type", MessageKind.self)
                if let after = try endpoint.optionalInteger(request, "after_seq") {
                    let page = try await services.readHistory(
                        roomID, HistoryQuery(direction: .oldestFirst(afterSequence: after), limit: limit, kind: kind),
                        by: principal)
                    return endpoint.json(
                        200,
                        .object([
                            "messages": .array(page.messages.map(presenter.message)), "has_more": .bool(page.hasMore),
                            "next_after_seq": page.hasMore ? Self.number(page.messages.last?.sequenceNumber) : .null,
                        ]))
                }
                var beforeTime: Date?
                if let text = request.query("before") {
                    guard let date = Timestamp.parse(text) else {
                        throw DomainError.invalidParameter(name: "before", reason: "must be an ISO-8601 timestamp")
                    }
                    beforeTime = date
                }
                let direction = HistoryQuery.Direction.newestFirst(
                    beforeSequence: try endpoint.optionalInteger(request, "before_seq"), beforeTime: beforeTime)
                let page = try await services.readHistory(
                    roomID, HistoryQuery(direction: direction, limit: limit, kind: kind), by: principal)
                return endpoint.json(
                    200,
                    .object([
                        "messages": .array(page.messages.map(presenter.message)), "has_more": .bool(page.hasMore),
                        "next_before_seq": page.hasMore ? Self.number(page.messages.last?.sequenceNumber) : .null,
                    ]))
            }
        }
        router.add(.post, "/api/rooms/:room_id/messages", body: .buffer(limit: 256 * 1024)) { request in
            await endpoint.authenticated(request) { principal in
                let roomID = try endpoint.roomID(request)
                let send = try SendMessage.Request(try endpoint.body(request))
                let result = try await services.sendMessage(send, to: roomID, by: principal)
                let message = result.message
                if case .stored = result {
                    services.metrics.increment("incident_messages_total{type=\"\(message.kind.rawValue)\"}")
                    services.log.info(
                        "message_sent", user: principal.userID.rawValue, room: roomID.description,
                        [
                            "message": message.id.description, "type": message.kind.rawValue,
                        ])
                }
                return endpoint.json(201, presenter.message(message))
            }
        }
        router.add(.get, "/api/rooms/:room_id/messages/search") { request in
            await endpoint.authenticated(request) { principal in
                let roomID = try endpoint.roomID(request)
                let (hits, total) = try await services.search(
                    roomID, query: request.query("q") ?? "",
                    limit: try endpoint.integer(request, "limit", default: 20, in: 1...200),
                    offset: try endpoint.integer(request, "offset", default: 0, in: 0...1_000_000), by: principal)
                services.log.info(
                    "search", user: principal.userID.rawValue, room: roomID.description, ["results": String(total)])
                return endpoint.json(
                    200,
                    .object([
                        "results": .array(
                            hits.map {
                                .object(["message": presenter.message($0.message), "highlight": .string($0.highlight)])
                            }),
                        "total": .number(Double(total)),
                    ]))
            }
        }
        router.add(.get, "/api/rooms/:room_id/messages/:message_id") { request in
            await endpoint.authenticated(request) { principal in
                let message = try await services.getMessage(
                    try endpoint.messageID(request), in: try endpoint.roomID(request), by: principal)
                return endpoint.json(200, presenter.message(message))
            }
        }
        router.add(.get, "/api/rooms/:room_id/readings") { request in
            await endpoint.authenticated(request) { principal in
                func bound(_ name: String) throws -> Double? {
                    guard let text = request.query(name) else { return nil }
                    guard let value = Double(text), value.isFinite else {
                        throw DomainError.invalidParameter(name: name, reason: "must be a number")
                    }
                    return value
                }
                let messages = try await services.readings(
                    try endpoint.roomID(request), name: request.query("name") ?? "", atLeast: try bound("min"),
                    atMost: try bound("max"), limit: try endpoint.integer(request, "limit", default: 50, in: 1...200),
                    by: principal)
                return endpoint.json(200, .object(["messages": .array(messages.map(presenter.message))]))
            }
        }

        router.add(.patch, "/api/messages/:message_id", body: .buffer(limit: 256 * 1024)) { request in
            await endpoint.authenticated(request) { principal in
                let body = try endpoint.body(request)
                guard let content = body.object["content"] else {
                    throw DomainError.validationFailed(field: "content", reason: "is required")
                }
                let message = try await services.editMessage(
                    try endpoint.messageID(request), content: content, by: principal)
                services.metrics.increment("incident_message_edits_total")
                services.log.info(
                    "message_edited", user: principal.userID.rawValue, room: message.roomID.description,
                    ["message": message.id.description])
                return endpoint.json(200, presenter.message(message))
            }
        }
        router.add(.delete, "/api/messages/:message_id") { request in
            await endpoint.authenticated(request) { principal in
                let message = try await services.deleteMessage(try endpoint.messageID(request), by: principal)
                services.metrics.increment("incident_message_deletes_total")
                services.log.info(
                    "message_deleted", user: principal.userID.rawValue, room: message.roomID.description,
                    ["message": message.id.description])
                return .empty(204)
            }
        }
        router.add(.get, "/api/messages/:message_id/history") { request in
            await endpoint.authenticated(request) { principal in
                let edits = try await services.editHistory(try endpoint.messageID(request), by: principal)
                return endpoint.json(
                    200,
                    .object([
                        "edits": .array(
                            edits.map { edit in
                                .object([
                                    "original_content": .string(edit.originalContent),
                                    "edited_by": .string(edit.editedBy.rawValue),
                                    "edited_at": Presenter.time(edit.editedAt),
                                ])
                            })
                    ]))
            }
        }
        router.add(.post, "/api/messages/:message_id/reactions", body: .buffer(limit: 4096)) { request in
            await endpoint.authenticated(request) { principal in
                let emoji = try endpoint.body(request).requiredString("emoji")
                let result = try await services.react(
                    try endpoint.messageID(request), emoji: emoji, action: .added, by: principal)
                return endpoint.json(result.changed ? 201 : 200, presenter.message(result.message))
            }
        }
        router.add(.delete, "/api/messages/:message_id/reactions/:emoji") { request in
            await endpoint.authenticated(request) { principal in
                _ = try await services.react(
                    try endpoint.messageID(request), emoji: request.pathParameters["emoji"] ?? "", action: .removed,
                    by: principal)
                return .empty(204)
            }
        }
    }

    private static func number(_ value: Int64?) -> JSONValue {
        value.map { .number(Double($0)) } ?? .null
    }
}
