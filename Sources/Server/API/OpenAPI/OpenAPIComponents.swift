import Application
import Domain

/// The shared schemas of the OpenAPI document: every body of API.md, as `Presenter` writes it and `RequestBody`
/// reads it. Responses list every field the service sends (required) and allow more, so that additions stay
/// compatible; nullable fields are `["type", "null"]`.
enum OpenAPIComponents {
    typealias S = OpenAPISchema

    static var schemas: JSONObject {
        var schemas = JSONObject()
        schemas["Error"] = S.object(
            [
                "error": S.object(
                    [
                        "code": S.string("snake_case code: invalid_request, unauthorized, forbidden, ..."),
                        "message": S.string("a sentence for people"),
                        "details": S.object(
                            [
                                "field": S.string("the offending field of a 422"),
                                "retry_after": S.integer("seconds, with 429"),
                                "limit": S.integer("bytes, with 413"),
                            ], required: []),
                    ], required: ["code", "message"])
            ], description: "Every error response: `{\"error\": {\"code\", \"message\", \"details\"?}}`.")
        schemas["User"] = S.object([
            "user_id": S.string("the e-mail address, lower case"), "display_name": S.string(),
            "email": S.string(), "is_admin": S.boolean(),
        ])
        schemas["LoginRequest"] = S.object(
            ["username": S.string("jdoe or jdoe@example.com"), "password": S.string()], required: ["username"])
        schemas["LoginResponse"] = S.object([
            "token": S.string("HS256 JWT"), "token_type": S.string(values: ["Bearer"]), "expires_at": S.time,
            "user": S.ref("User"),
        ])

        schemas["Room"] = S.object([
            "room_id": S.uuid, "title": S.string(),
            "incident_type": S.string(values: IncidentType.allCases.map(\.rawValue)),
            "severity": S.string(values: Severity.allCases.map(\.rawValue)),
            "status": S.string(values: RoomStatus.allCases.map(\.rawValue)), "location": S.string(),
            "description": S.string(), "lots": S.array(S.string()), "created_by": S.string(), "created_at": S.time,
            "updated_at": S.time, "resolved_at": S.optionalTime, "last_activity_at": S.time,
            "last_sequence_number": S.integer(minimum: 0), "rev": S.integer("the room's revision", minimum: 0),
            "member_count": S.integer(minimum: 0),
            "my_role": S.string(
                "the caller's role; null for an admin who is not a member", values: Role.allCases.map(\.rawValue),
                nullable: true),
            "last_read_sequence_number": S.integer("the caller's read marker; 0 before any read", minimum: 0),
            "unread_count": S.integer(
                "messages after the marker, not deleted, not sent by the caller", minimum: 0),
            "mention_count": S.integer("those of them that mention the caller", minimum: 0),
        ])
        schemas["RoomList"] = S.object([
            "rooms": S.array(S.ref("Room")), "total": S.integer(minimum: 0), "limit": S.integer(minimum: 1),
            "offset": S.integer(minimum: 0),
        ])
        schemas["NewRoom"] = S.object(
            [
                "title": S.string(maxLength: RoomRules.maximumTitleCharacters),
                "incident_type": S.string(values: IncidentType.allCases.map(\.rawValue)),
                "severity": S.string(values: Severity.allCases.map(\.rawValue)),
                "location": S.string(maxLength: RoomRules.maximumLocationCharacters), "description": S.string(),
                "lots": S.array(S.string(maxLength: RoomRules.maximumLotCharacters), maxItems: RoomRules.maximumLots),
            ], required: ["title", "incident_type", "severity"])
        schemas["RoomChanges"] = S.object(
            [
                "title": S.string(), "severity": S.string(values: Severity.allCases.map(\.rawValue)),
                "status": S.string(values: RoomStatus.allCases.map(\.rawValue)), "location": S.string(),
                "description": S.string(), "lots": S.array(S.string()),
            ], required: [])
        schemas["Member"] = S.object([
            "user_id": S.string(), "display_name": S.string(),
            "role": S.string(values: Role.allCases.map(\.rawValue)), "added_at": S.time,
        ])
        schemas["MemberList"] = S.object(["members": S.array(S.ref("Member"))])
        schemas["NewMember"] = S.object(
            [
                "user_id": S.string("the user's e-mail address"),
                "role": S.string(values: Role.allCases.map(\.rawValue)),
            ],
            required: ["user_id"])
        schemas["RoleChange"] = S.object(["role": S.string(values: Role.allCases.map(\.rawValue))])

        schemas["File"] = S.object([
            "file_id": S.uuid, "room_id": S.uuid, "filename": S.string(), "content_type": S.string(),
            "size": S.integer(minimum: 0), "file_type": S.string(values: FileType.allCases.map(\.rawValue)),
            "uploaded_by": S.string(), "uploaded_at": S.time,
            "download_url": S.string("a presigned GET URL, valid for one hour", nullable: true),
        ])
        schemas["FileList"] = S.object(["files": S.array(S.ref("File"))])
        schemas["Upload"] = S.object(
            ["file": S.string("the file's bytes, with its filename", format: "binary")], required: ["file"])

        schemas["Reaction"] = S.object([
            "emoji": S.string(), "count": S.integer(minimum: 1), "user_ids": S.array(S.string()),
        ])
        schemas["Message"] = S.object([
            "message_id": S.uuid, "room_id": S.uuid, "sequence_number": S.integer(minimum: 1),
            "rev": S.integer("the room revision of the message's last change", minimum: 0),
            "sender_id": S.string(), "sender_display_name": S.string(),
            "message_type": S.string(values: MessageKind.allCases.map(\.rawValue)),
            "content": .object([
                "description": .string(
                    "text (a caption for files), an object of readings for incident_data, null when deleted"),
                "type": .array([.string("string"), .string("object"), .string("null")]),
            ]),
            "metadata": .object(["type": .array([.string("object"), .string("null")])]),
            "mentions": S.array(S.string()), "file": S.nullable(S.ref("File")),
            "client_id": S.string(nullable: true), "created_at": S.time, "edited_at": S.optionalTime,
            "deleted_at": S.optionalTime, "deleted_by": S.string(nullable: true),
            "reactions": S.array(S.ref("Reaction")), "pinned_at": S.optionalTime,
            "pinned_by": S.string(nullable: true),
        ])
        schemas["NewMessage"] = S.object(
            [
                "type": S.string("ignored on REST; `message` on the WebSocket", values: ["message"]),
                "content": .object([
                    "description": .string("a string; an object of readings for incident_data"),
                    "type": .array([.string("string"), .string("object"), .string("null")]),
                ]),
                "message_type": S.string(values: MessageKind.allCases.filter(\.isClientSendable).map(\.rawValue)),
                "metadata": S.anyObject, "mentions": S.array(S.string()), "file_id": S.uuid,
                "client_id": S.string(minLength: 1, maxLength: SendMessage.maximumClientIDLength),
            ], required: [])
        schemas["MessagePage"] = S.object(
            [
                "messages": S.array(S.ref("Message")), "has_more": S.boolean(),
                "next_before_seq": S.integer("newest-first pages", nullable: true),
                "next_after_seq": S.integer("after_seq pages", nullable: true),
            ], required: ["messages", "has_more"])
        schemas["MessageList"] = S.object(["messages": S.array(S.ref("Message"))])
        schemas["MentionPage"] = S.object([
            "messages": S.array(S.ref("Message")), "has_more": S.boolean(),
            "next_before": S.string("opaque; pass as before for the next page", nullable: true),
        ])
        schemas["SearchResults"] = S.object([
            "results": S.array(
                S.object([
                    "message": S.ref("Message"),
                    "highlight": S.string("HTML-escaped text with the matches in <mark>...</mark>"),
                ])),
            "total": S.integer(minimum: 0),
        ])
        schemas["RoomReference"] = S.object(["room_id": S.uuid, "title": S.string()])
        schemas["CrossRoomSearchResults"] = S.object([
            "results": S.array(
                S.object([
                    "message": S.ref("Message"), "highlight": S.string(), "room": S.ref("RoomReference"),
                ])),
            "total": S.integer(minimum: 0),
        ])
        schemas["EditHistory"] = S.object([
            "edits": S.array(
                S.object(["original_content": S.string(), "edited_by": S.string(), "edited_at": S.time]))
        ])
        schemas["EmojiRequest"] = S.object(["emoji": S.string("exactly one emoji")])

        schemas["ReadRequest"] = S.object([
            "sequence_number": S.integer("the highest sequence number read", minimum: 0)
        ])
        schemas["ReadMarker"] = S.object([
            "room_id": S.uuid, "last_read_sequence_number": S.integer(minimum: 0),
        ])
        schemas["ReadReceipt"] = S.object([
            "user_id": S.string(), "display_name": S.string(), "last_read_sequence_number": S.integer(minimum: 0),
            "read_at": S.optionalTime,
        ])
        schemas["ReadReceiptList"] = S.object(["receipts": S.array(S.ref("ReadReceipt"))])

        schemas["Presence"] = S.object(
            ["user_id": S.string(), "display_name": S.string(), "connected_at": S.time],
            required: ["user_id", "display_name"])
        schemas["PresenceList"] = S.object(["users": S.array(S.ref("Presence"))])

        schemas["Notification"] = S.object([
            "id": S.uuid, "type": S.string(values: NotificationKind.allCases.map(\.rawValue)), "title": S.string(),
            "message": S.string(), "room_id": S.uuid, "reference_type": S.string(values: ["message", "room"]),
            "reference_id": S.uuid, "created_at": S.time, "read_at": S.optionalTime,
        ])
        schemas["NotificationList"] = S.object([
            "notifications": S.array(S.ref("Notification")), "unread_count": S.integer(minimum: 0),
        ])

        schemas["Person"] = S.object(["user_id": S.string(), "display_name": S.string(), "email": S.string()])
        schemas["PeopleList"] = S.object(["users": S.array(S.ref("Person"))])

        schemas["NewAnnouncement"] = S.object(
            [
                "message": S.string(minLength: 1, maxLength: Announcement.maximumCharacters),
                "severity": S.string(values: AnnouncementSeverity.allCases.map(\.rawValue)),
            ], required: ["message"])
        schemas["Announcement"] = S.object([
            "announcement_id": S.uuid, "message": S.string(),
            "severity": S.string(values: AnnouncementSeverity.allCases.map(\.rawValue)), "created_by": S.string(),
            "created_at": S.time,
        ])
        schemas["AnnouncementList"] = S.object(["announcements": S.array(S.ref("Announcement"))])

        schemas["Config"] = S.object([
            "report_timezone": S.string("IANA zone of the reports' times"),
            "edit_window_seconds": S.integer(minimum: 0),
            "message_rate_per_second": S.number(), "message_burst": S.number(),
            "max_text_bytes": S.integer(minimum: 1), "max_readings_bytes": S.integer(minimum: 1),
            "max_metadata_bytes": S.integer(minimum: 1), "max_client_id_bytes": S.integer(minimum: 1),
            "max_upload_bytes": S.object([
                "image": S.integer(minimum: 1), "document": S.integer(minimum: 1), "log": S.integer(minimum: 1),
            ]),
            "max_websocket_message_bytes": S.integer(minimum: 1), "page_limit_max": S.integer(minimum: 1),
            "search_min_characters": S.integer(minimum: 1), "typing_expiry_seconds": S.number(),
            "read_receipt_interval_seconds": S.number(), "catch_up_max_messages": S.integer(minimum: 1),
            "announcement_max_characters": S.integer(minimum: 1),
            "announcement_lifetime_seconds": S.integer(minimum: 1),
        ])
        schemas["Status"] = S.object(["status": S.string()])
        return schemas
    }

    /// The error responses, one per status, each with the `Error` body.
    static let errorStatuses: [(Int, String, String)] = [
        (400, "BadRequest", "invalid_request: malformed JSON, a bad query parameter or path id"),
        (401, "Unauthorized", "unauthorized (or invalid_credentials at login)"),
        (403, "Forbidden", "forbidden, insufficient_permissions, not_owner or edit_window_expired"),
        (404, "NotFound", "not_found"),
        (409, "Conflict", "conflict or room_archived"),
        (413, "PayloadTooLarge", "payload_too_large or message_too_large"),
        (415, "UnsupportedMediaType", "unsupported_media_type"),
        (422, "ValidationFailed", "validation_failed, with details.field"),
        (429, "RateLimited", "rate_limited, with Retry-After"),
        (503, "Unavailable", "unavailable, directory_unavailable or storage_unavailable"),
    ]

    static var responses: JSONObject {
        var responses = JSONObject()
        for (status, name, description) in Self.errorStatuses {
            var response: JSONObject = [
                "description": .string(description),
                "content": .object(["application/json": .object(["schema": S.ref("Error")])]),
            ]
            if status == 429 {
                response["headers"] = .object([
                    "Retry-After": .object([
                        "description": .string("seconds until a retry may succeed"),
                        "schema": .object(["type": .string("integer")]),
                    ])
                ])
            }
            responses[name] = .object(response)
        }
        return responses
    }

    static func errorReference(_ status: Int) -> JSONValue {
        let name = Self.errorStatuses.first { $0.0 == status }?.1 ?? "BadRequest"
        return .object(["$ref": .string("#/components/responses/\(name)")])
    }
}
