import Application
import Domain

/// The OpenAPI 3.1 description of every REST route (`GET /api/openapi.json`): one source, in Swift, next to the
/// routes it describes.
///
/// Why Swift rather than a JSON file: the shared pieces (the error responses, the paging parameters, the schemas of
/// API.md's bodies) are written once, limits come from the same constants the use cases enforce (`RoomRules`,
/// `Announcement`, ...), and the document is built once into bytes at start. Tests keep it honest: the set of
/// (method, path) equals the router's, openapi-spec-validator accepts it, schemathesis finds no response that breaks
/// it, and docs/API.md has a section for each of its operations (Tests/ServerTests/OpenAPITests.swift,
/// scripts/gates/openapi.sh).
enum OpenAPIDocument {
    typealias S = OpenAPISchema

    /// One operation of the document.
    struct Operation {
        var method: String
        /// OpenAPI style: `/api/rooms/{room_id}`.
        var path: String
        var id: String
        var tag: String
        var summary: String
        var authenticated = true
        var parameters: [JSONValue] = []
        var body: (contentType: String, schema: JSONValue)?
        /// Status, description, and the body (content type and schema) when there is one.
        var success: [(Int, String, (String, JSONValue)?)]
        var errors: [Int]
        var links: JSONObject?
    }

    /// The document as served, built once.
    static let bytes: [UInt8] = JSONWriter.encode(Self.document)

    static var document: JSONValue {
        var paths = JSONObject()
        for operation in Self.operations {
            var item = paths[operation.path]?.objectValue ?? JSONObject()
            item[operation.method] = Self.render(operation)
            paths[operation.path] = .object(item)
        }
        return .object([
            "openapi": .string("3.1.0"),
            "info": .object([
                "title": .string("Incident rooms (incidentd)"),
                "version": .string("2"),
                "description": .string(
                    "Incident rooms for factory floors: rooms, members, messages, files, notifications, read "
                        + "markers, mentions, pins and announcements. The WebSocket endpoints (/ws/{room_id}, "
                        + "/ws/notifications) are described in docs/API.md."),
            ]),
            "servers": .array([.object(["url": .string("/")])]),
            "security": .array([.object(["bearerAuth": .array([])])]),
            "tags": .array(
                [
                    "auth", "rooms", "members", "messages", "files", "notifications", "catching up", "people",
                    "announcements", "service",
                ].map { .object(["name": .string($0)]) }),
            "paths": .object(paths),
            "components": .object([
                "securitySchemes": .object([
                    "bearerAuth": .object([
                        "type": .string("http"), "scheme": .string("bearer"), "bearerFormat": .string("JWT"),
                    ])
                ]),
                "schemas": .object(OpenAPIComponents.schemas),
                "responses": .object(OpenAPIComponents.responses),
            ]),
        ])
    }

    /// Every (method, path) of the document, upper-case method and OpenAPI path, for the tests.
    static var routes: Set<String> {
        Set(Self.operations.map { "\($0.method.uppercased()) \($0.path)" })
    }

    private static func render(_ operation: Operation) -> JSONValue {
        var object: JSONObject = [
            "operationId": .string(operation.id), "tags": .array([.string(operation.tag)]),
            "summary": .string(operation.summary),
        ]
        if !operation.authenticated { object["security"] = .array([]) }
        // Path parameters come from the path itself, so none is forgotten.
        var parameters: [JSONValue] = Self.pathParameters(of: operation.path)
        parameters += operation.parameters
        if !parameters.isEmpty { object["parameters"] = .array(parameters) }
        if let body = operation.body {
            object["requestBody"] = .object([
                "required": .bool(true),
                "content": .object([body.contentType: .object(["schema": body.schema])]),
            ])
        }
        var responses = JSONObject()
        for (status, description, content) in operation.success {
            var response: JSONObject = ["description": .string(description)]
            if let (type, schema) = content {
                response["content"] = .object([type: .object(["schema": schema])])
            }
            if let links = operation.links, status == operation.success.first?.0 { response["links"] = .object(links) }
            responses[String(status)] = .object(response)
        }
        for status in operation.errors { responses[String(status)] = OpenAPIComponents.errorReference(status) }
        object["responses"] = .object(responses)
        return .object(object)
    }

    private static func pathParameters(of path: String) -> [JSONValue] {
        path.split(separator: "/").compactMap { segment -> JSONValue? in
            guard segment.hasPrefix("{"), segment.hasSuffix("}") else { return nil }
            let name = String(segment.dropFirst().dropLast())
            let schema: JSONValue
            switch name {
            case "user_id": schema = S.string("the member's user id (e-mail address)", minLength: 1)
            case "emoji": schema = S.string("one emoji, percent-encoded", minLength: 1)
            default: schema = S.string(format: "uuid")
            }
            return .object([
                "name": .string(name), "in": .string("path"), "required": .bool(true), "schema": schema,
            ])
        }
    }

    private static func query(_ name: String, _ schema: JSONValue, required: Bool = false, _ description: String)
        -> JSONValue
    {
        .object([
            "name": .string(name), "in": .string("query"), "required": .bool(required),
            "description": .string(description), "schema": schema,
        ])
    }

    private static func json(_ schema: String) -> (String, JSONValue) { ("application/json", S.ref(schema)) }

    private static func link(_ operation: String, _ parameters: [(String, String)]) -> JSONValue {
        var values = JSONObject()
        for (name, expression) in parameters { values[name] = .string(expression) }
        return .object(["operationId": .string(operation), "parameters": .object(values)])
    }

    private static let limit = Self.query("limit", S.integer(minimum: 1, maximum: 200), "page size, 1 to 200")
    private static let offset = Self.query("offset", S.integer(minimum: 0, maximum: 1_000_000), "results to skip")
    private static let roomLinks: JSONObject = [
        "GetRoom": Self.link("getRoom", [("room_id", "$response.body#/room_id")]),
        "ListMessages": Self.link("listMessages", [("room_id", "$response.body#/room_id")]),
        "SendMessage": Self.link("sendMessage", [("room_id", "$response.body#/room_id")]),
        "MarkRead": Self.link("markRoomRead", [("room_id", "$response.body#/room_id")]),
        "ListReadReceipts": Self.link("listReadReceipts", [("room_id", "$response.body#/room_id")]),
        "ListPins": Self.link("listPins", [("room_id", "$response.body#/room_id")]),
        "UpdateRoom": Self.link("updateRoom", [("room_id", "$response.body#/room_id")]),
        "ListMembers": Self.link("listMembers", [("room_id", "$response.body#/room_id")]),
        "Report": Self.link("getReport", [("room_id", "$response.body#/room_id")]),
    ]
    private static let messageLinks: JSONObject = [
        "GetMessage": Self.link(
            "getMessage", [("room_id", "$response.body#/room_id"), ("message_id", "$response.body#/message_id")]),
        "Pin": Self.link("pinMessage", [("message_id", "$response.body#/message_id")]),
        "Unpin": Self.link("unpinMessage", [("message_id", "$response.body#/message_id")]),
        "React": Self.link("addReaction", [("message_id", "$response.body#/message_id")]),
        "Edit": Self.link("editMessage", [("message_id", "$response.body#/message_id")]),
        "EditHistory": Self.link("getEditHistory", [("message_id", "$response.body#/message_id")]),
    ]

    /// Standard refusals: on a room-scoped route (not a UUID, no token, not a member, no such room, store down).
    private static let roomErrors = [400, 401, 403, 404, 503]
    private static let writeErrors = [400, 401, 403, 404, 409, 413, 422, 503]

    // MARK: - The operations

    static let operations: [Operation] =
        Self.auth + Self.rooms + Self.members + Self.messages + Self.files
        + Self.notifications + Self.catchingUp + Self.people + Self.announcements + Self.service

    private static let auth: [Operation] = [
        Operation(
            method: "post", path: "/api/auth/login", id: "login", tag: "auth",
            summary: "Sign in with the directory account; 5 failures per name or 20 per address in 5 min lock out",
            authenticated: false, body: ("application/json", S.ref("LoginRequest")),
            success: [(200, "signed in", Self.json("LoginResponse"))], errors: [400, 401, 413, 422, 429, 503]),
        Operation(
            method: "post", path: "/api/auth/logout", id: "logout", tag: "auth",
            summary: "Revoke the token at once (REST and new WebSockets answer 401)",
            success: [(204, "revoked", nil)], errors: [401, 503]),
        Operation(
            method: "get", path: "/api/auth/me", id: "me", tag: "auth", summary: "The signed-in user",
            success: [(200, "the user", Self.json("User"))], errors: [401, 503]),
    ]

    private static let rooms: [Operation] = [
        Operation(
            method: "post", path: "/api/rooms", id: "createRoom", tag: "rooms",
            summary: "Open an incident room; the creator becomes OWNER", body: ("application/json", S.ref("NewRoom")),
            success: [(201, "the room", Self.json("Room"))], errors: [400, 401, 413, 422, 503], links: Self.roomLinks),
        Operation(
            method: "get", path: "/api/rooms", id: "listRooms", tag: "rooms",
            summary: "The caller's rooms (an admin: every room), newest activity first, with unread counts",
            parameters: [
                Self.query("status", S.string(values: RoomStatus.allCases.map(\.rawValue)), "only this status"),
                Self.query(
                    "incident_type", S.string(values: IncidentType.allCases.map(\.rawValue)), "only this type"),
                Self.query("severity", S.string(values: Severity.allCases.map(\.rawValue)), "only this severity"),
                Self.query("q", S.string(), "substring of title, description, location or a lot"),
                Self.query("unread", S.boolean(), "only rooms with unread messages for the caller"),
                Self.query(
                    "sort", S.string(values: RoomSort.allCases.map(\.rawValue)),
                    "activity: last_activity_at, newest first (the default order)"),
                Self.limit, Self.offset,
            ],
            success: [(200, "a page of rooms", Self.json("RoomList"))], errors: [400, 401, 503]),
        Operation(
            method: "get", path: "/api/rooms/{room_id}", id: "getRoom", tag: "rooms", summary: "One room",
            success: [(200, "the room", Self.json("Room"))], errors: Self.roomErrors),
        Operation(
            method: "patch", path: "/api/rooms/{room_id}", id: "updateRoom", tag: "rooms",
            summary: "Change fields or status (OWNER or admin); stored as a system message",
            body: ("application/json", S.ref("RoomChanges")), success: [(200, "the room", Self.json("Room"))],
            errors: Self.writeErrors),
        Operation(
            method: "get", path: "/api/rooms/{room_id}/online", id: "listOnline", tag: "rooms",
            summary: "Who is connected to the room", success: [(200, "users", Self.json("PresenceList"))],
            errors: Self.roomErrors),
        Operation(
            method: "get", path: "/api/rooms/{room_id}/typing", id: "listTyping", tag: "rooms",
            summary: "Who is typing in the room", success: [(200, "users", Self.json("PresenceList"))],
            errors: Self.roomErrors),
        Operation(
            method: "get", path: "/api/rooms/{room_id}/report", id: "getReport", tag: "rooms",
            summary: "The incident report in Markdown: facts, key events, members, timeline",
            success: [(200, "the report", ("text/markdown", S.string()))], errors: Self.roomErrors),
    ]

    private static let members: [Operation] = [
        Operation(
            method: "get", path: "/api/rooms/{room_id}/members", id: "listMembers", tag: "members",
            summary: "The room's members", success: [(200, "members", Self.json("MemberList"))],
            errors: Self.roomErrors),
        Operation(
            method: "post", path: "/api/rooms/{room_id}/members", id: "addMember", tag: "members",
            summary: "Add a member (OWNER or admin)", body: ("application/json", S.ref("NewMember")),
            success: [(201, "the member", Self.json("Member"))], errors: Self.writeErrors),
        Operation(
            method: "patch", path: "/api/rooms/{room_id}/members/{user_id}", id: "changeMemberRole",
            tag: "members", summary: "Change a member's role (the last OWNER stays)",
            body: ("application/json", S.ref("RoleChange")), success: [(200, "the member", Self.json("Member"))],
            errors: Self.writeErrors),
        Operation(
            method: "delete", path: "/api/rooms/{room_id}/members/{user_id}", id: "removeMember", tag: "members",
            summary: "Remove a member (the last OWNER stays); their sockets close with 1008",
            success: [(204, "removed", nil)], errors: [400, 401, 403, 404, 409, 503]),
    ]

    private static let messages: [Operation] = [
        Operation(
            method: "get", path: "/api/rooms/{room_id}/messages", id: "listMessages", tag: "messages",
            summary: "History: newest first (before, before_seq) or after a sequence number (after_seq)",
            parameters: [
                Self.limit,
                Self.query("before", S.string(format: "date-time"), "only messages created before this time"),
                Self.query("before_seq", S.integer(minimum: 0), "only messages numbered below (exclusive)"),
                Self.query("after_seq", S.integer(minimum: 0), "oldest first, messages numbered above (exclusive)"),
                Self.query(
                    "message_type", S.string(values: MessageKind.allCases.map(\.rawValue)), "only this type"),
                Self.query("mentions", S.string(minLength: 1), "only messages mentioning this user id, or me"),
            ],
            success: [(200, "a page of messages", Self.json("MessagePage"))], errors: Self.roomErrors),
        Operation(
            method: "post", path: "/api/rooms/{room_id}/messages", id: "sendMessage", tag: "messages",
            summary: "Send a message (the body of the WebSocket message event); broadcast as well",
            body: ("application/json", S.ref("NewMessage")), success: [(201, "the message", Self.json("Message"))],
            errors: [400, 401, 403, 404, 409, 413, 422, 429, 503], links: Self.messageLinks),
        Operation(
            method: "get", path: "/api/rooms/{room_id}/messages/search", id: "searchRoom", tag: "messages",
            summary: "Case-insensitive substring search of the room (English words, Chinese bigrams)",
            parameters: [
                Self.query("q", S.string(minLength: 2, maxLength: 200), required: true, "2 to 200 characters"),
                Self.limit, Self.offset,
            ],
            success: [(200, "hits, newest first", Self.json("SearchResults"))], errors: Self.roomErrors),
        Operation(
            method: "get", path: "/api/rooms/{room_id}/messages/{message_id}", id: "getMessage", tag: "messages",
            summary: "One message of the room", success: [(200, "the message", Self.json("Message"))],
            errors: Self.roomErrors),
        Operation(
            method: "get", path: "/api/rooms/{room_id}/readings", id: "listReadings", tag: "messages",
            summary: "incident_data messages carrying a reading, optionally within a range, oldest first",
            parameters: [
                Self.query("name", S.string(minLength: 1, maxLength: 100), required: true, "the reading's name"),
                Self.query("min", S.number(), "at least"), Self.query("max", S.number(), "at most"), Self.limit,
            ],
            success: [(200, "messages", Self.json("MessageList"))], errors: Self.roomErrors),
        Operation(
            method: "patch", path: "/api/messages/{message_id}", id: "editMessage", tag: "messages",
            summary: "Edit (the sender, within 15 minutes); the previous content goes to the edit history",
            body: ("application/json", S.object(["content": .object([:])])),
            success: [(200, "the message", Self.json("Message"))],
            errors: [400, 401, 403, 404, 409, 413, 422, 429, 503]),
        Operation(
            method: "delete", path: "/api/messages/{message_id}", id: "deleteMessage", tag: "messages",
            summary: "Soft delete (the sender, the room's OWNER or an admin)", success: [(204, "deleted", nil)],
            errors: [400, 401, 403, 404, 409, 429, 503]),
        Operation(
            method: "get", path: "/api/messages/{message_id}/history", id: "getEditHistory", tag: "messages",
            summary: "Previous versions (the sender, the room's OWNER or an admin)",
            success: [(200, "edits", Self.json("EditHistory"))], errors: Self.roomErrors),
        Operation(
            method: "post", path: "/api/messages/{message_id}/reactions", id: "addReaction", tag: "messages",
            summary: "React (201 when added, 200 when it was there)",
            body: ("application/json", S.ref("EmojiRequest")),
            success: [(201, "added", Self.json("Message")), (200, "already there", Self.json("Message"))],
            errors: [400, 401, 403, 404, 409, 413, 422, 429, 503]),
        Operation(
            method: "delete", path: "/api/messages/{message_id}/reactions/{emoji}", id: "removeReaction",
            tag: "messages", summary: "Remove the caller's reaction (204 also when it was not there)",
            success: [(204, "removed", nil)], errors: [400, 401, 403, 404, 409, 422, 429, 503]),
        Operation(
            method: "post", path: "/api/messages/{message_id}/pin", id: "pinMessage", tag: "catching up",
            summary: "Pin as a key event (OWNER, EDITOR or admin); 200 and no change when pinned already",
            success: [(200, "the message", Self.json("Message"))], errors: [400, 401, 403, 404, 409, 429, 503]),
        Operation(
            method: "delete", path: "/api/messages/{message_id}/pin", id: "unpinMessage", tag: "catching up",
            summary: "Unpin (OWNER, EDITOR or admin); 204 also when it was not pinned",
            success: [(204, "unpinned", nil)], errors: [400, 401, 403, 404, 409, 429, 503]),
    ]

    private static let files: [Operation] = [
        Operation(
            method: "post", path: "/api/rooms/{room_id}/files", id: "uploadFile", tag: "files",
            summary: "Upload (EDITOR or OWNER): images 10 MB, documents 20 MB, logs 5 MB, checked by content",
            body: ("multipart/form-data", S.ref("Upload")), success: [(201, "the file", Self.json("File"))],
            errors: [400, 401, 403, 404, 409, 413, 415, 422, 503]),
        Operation(
            method: "get", path: "/api/rooms/{room_id}/files", id: "listFiles", tag: "files",
            summary: "The room's files, newest first", success: [(200, "files", Self.json("FileList"))],
            errors: Self.roomErrors),
        Operation(
            method: "get", path: "/api/rooms/{room_id}/files/{file_id}", id: "getFile", tag: "files",
            summary: "One file with a fresh download link", success: [(200, "the file", Self.json("File"))],
            errors: Self.roomErrors),
        Operation(
            method: "delete", path: "/api/rooms/{room_id}/files/{file_id}", id: "deleteFile", tag: "files",
            summary: "Soft delete (the uploader or OWNER)", success: [(204, "deleted", nil)],
            errors: [400, 401, 403, 404, 409, 503]),
    ]

    private static let notifications: [Operation] = [
        Operation(
            method: "get", path: "/api/notifications", id: "listNotifications", tag: "notifications",
            summary: "The caller's notifications, newest first (at most 100)",
            parameters: [Self.query("unread", S.boolean(), "only unread ones")],
            success: [(200, "notifications", Self.json("NotificationList"))], errors: [400, 401, 503]),
        Operation(
            method: "post", path: "/api/notifications/read-all", id: "markAllNotificationsRead",
            tag: "notifications", summary: "Mark every notification read", success: [(204, "done", nil)],
            errors: [401, 503]),
        Operation(
            method: "post", path: "/api/notifications/{id}/read", id: "markNotificationRead", tag: "notifications",
            summary: "Mark one notification read", success: [(204, "done", nil)], errors: [400, 401, 404, 503]),
    ]

    private static let catchingUp: [Operation] = [
        Operation(
            method: "post", path: "/api/rooms/{room_id}/read", id: "markRoomRead", tag: "catching up",
            summary: "Move the caller's read marker forward (any member or admin)",
            body: ("application/json", S.ref("ReadRequest")),
            success: [(200, "the marker", Self.json("ReadMarker"))], errors: [400, 401, 403, 404, 413, 422, 429, 503]),
        Operation(
            method: "get", path: "/api/rooms/{room_id}/read-receipts", id: "listReadReceipts", tag: "catching up",
            summary: "Every member's read marker", success: [(200, "receipts", Self.json("ReadReceiptList"))],
            errors: Self.roomErrors),
        Operation(
            method: "get", path: "/api/rooms/{room_id}/pins", id: "listPins", tag: "catching up",
            summary: "The pinned messages, in sequence order", success: [(200, "messages", Self.json("MessageList"))],
            errors: Self.roomErrors),
        Operation(
            method: "get", path: "/api/mentions", id: "listMentions", tag: "catching up",
            summary: "Messages mentioning the caller in their rooms, newest first",
            parameters: [
                Self.limit, Self.query("before", S.string(), "the next_before of the previous page (opaque)"),
            ],
            success: [(200, "a page of messages", Self.json("MentionPage"))], errors: [400, 401, 503]),
        Operation(
            method: "get", path: "/api/search", id: "searchAllRooms", tag: "catching up",
            summary: "The room search over every room the caller may read, newest first",
            parameters: [
                Self.query("q", S.string(minLength: 2, maxLength: 200), required: true, "2 to 200 characters"),
                Self.limit, Self.offset,
            ],
            success: [(200, "hits", Self.json("CrossRoomSearchResults"))], errors: [400, 401, 503]),
    ]

    private static let people: [Operation] = [
        Operation(
            method: "get", path: "/api/users", id: "searchPeople", tag: "people",
            summary: "People of the directory and users seen at sign-in whose name, account or e-mail contains q",
            parameters: [
                Self.query(
                    "q", S.string(minLength: 2, maxLength: SearchPeople.maximumQueryCharacters), required: true,
                    "at least 2 characters"),
                Self.query("limit", S.integer(minimum: 1, maximum: 50), "1 to 50, default 20"),
            ],
            success: [(200, "people", Self.json("PeopleList"))], errors: [400, 401, 429, 503])
    ]

    private static let announcements: [Operation] = [
        Operation(
            method: "post", path: "/api/announcements", id: "postAnnouncement", tag: "announcements",
            summary: "Send a notice to every open connection (admins only)",
            body: ("application/json", S.ref("NewAnnouncement")),
            success: [(201, "the announcement", Self.json("Announcement"))],
            errors: [400, 401, 403, 413, 422, 429, 503]),
        Operation(
            method: "get", path: "/api/announcements", id: "listAnnouncements", tag: "announcements",
            summary: "The announcements of the last 24 hours, newest first",
            success: [(200, "announcements", Self.json("AnnouncementList"))], errors: [401, 503]),
    ]

    private static let service: [Operation] = [
        Operation(
            method: "get", path: "/api/config", id: "getConfig", tag: "service",
            summary: "The limits and settings a client needs (no token needed)", authenticated: false,
            success: [(200, "the configuration", Self.json("Config"))], errors: []),
        Operation(
            method: "get", path: "/api/openapi.json", id: "getOpenAPI", tag: "service",
            summary: "This document (no token needed)", authenticated: false,
            success: [(200, "OpenAPI 3.1", ("application/json", S.anyObject))], errors: []),
        Operation(
            method: "get", path: "/healthz", id: "health", tag: "service", summary: "The process is alive",
            authenticated: false, success: [(200, "alive", Self.json("Status"))], errors: []),
        Operation(
            method: "get", path: "/readyz", id: "ready", tag: "service", summary: "The database answers",
            authenticated: false, success: [(200, "ready", Self.json("Status"))], errors: [503]),
        Operation(
            method: "get", path: "/metrics", id: "metrics", tag: "service", summary: "Prometheus text format",
            authenticated: false, success: [(200, "metrics", ("text/plain", S.string()))], errors: []),
    ]
}
