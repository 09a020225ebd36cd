import Application
import Domain
import Foundation

/// Renders domain values in the JSON shapes of API.md. The only place that knows the wire names.
struct Presenter: Sendable {
    /// Presigns file links; nil when object storage is not configured.
    let objects: (any ObjectStorage)?
    let clock: any WallClock

    static let downloadLinkLifetime: TimeInterval = 3600

    func user(_ user: User) -> JSONValue {
        .object([
            "user_id": .string(user.id.rawValue), "display_name": .string(user.displayName),
            "email": .string(user.email), "is_admin": .bool(user.isAdmin),
        ])
    }

    func room(_ view: RoomView) -> JSONValue {
        let room = view.room
        return .object([
            "room_id": .string(room.id.description), "title": .string(room.title),
            "incident_type": .string(room.incidentType.rawValue), "severity": .string(room.severity.rawValue),
            "status": .string(room.status.rawValue), "location": .string(room.location),
            "description": .string(room.description), "lots": .array(room.lots.map { .string($0) }),
            "created_by": .string(room.createdBy.rawValue), "created_at": Self.time(room.createdAt),
            "updated_at": Self.time(room.updatedAt), "resolved_at": Self.time(room.resolvedAt),
            "last_activity_at": Self.time(room.lastActivityAt),
            "last_sequence_number": .number(Double(room.lastSequenceNumber)), "rev": .number(Double(room.rev)),
            "member_count": .number(Double(room.memberCount)),
            "my_role": view.myRole.map { .string($0.rawValue) } ?? .null,
            "last_read_sequence_number": .number(Double(view.readState.lastReadSequence)),
            "unread_count": .number(Double(view.readState.unreadCount)),
            "mention_count": .number(Double(view.readState.mentionCount)),
        ])
    }

    /// `{"room_id", "title"}`: the room a search hit belongs to.
    func roomReference(_ id: RoomID, title: String) -> JSONValue {
        .object(["room_id": .string(id.description), "title": .string(title)])
    }

    func readMarker(_ marker: ReadMarker) -> JSONValue {
        .object([
            "room_id": .string(marker.roomID.description),
            "last_read_sequence_number": .number(Double(marker.lastReadSequence)),
        ])
    }

    /// A member's marker as `GET /api/rooms/{id}/read-receipts` and the `read_receipt` event show it.
    func receipt(user: UserID, displayName: String, lastReadSequence: Int64, readAt: Date?) -> JSONObject {
        [
            "user_id": .string(user.rawValue), "display_name": .string(displayName),
            "last_read_sequence_number": .number(Double(lastReadSequence)), "read_at": Self.time(readAt),
        ]
    }

    func person(_ person: SearchPeople.Person) -> JSONValue {
        .object([
            "user_id": .string(person.userID.rawValue), "display_name": .string(person.displayName),
            "email": .string(person.email),
        ])
    }

    func announcement(_ announcement: Announcement) -> JSONValue {
        .object([
            "announcement_id": .string(announcement.id.description), "message": .string(announcement.message),
            "severity": .string(announcement.severity.rawValue),
            "created_by": .string(announcement.createdBy.rawValue), "created_at": Self.time(announcement.createdAt),
        ])
    }

    func member(_ member: Member) -> JSONValue {
        .object([
            "user_id": .string(member.userID.rawValue), "display_name": .string(member.displayName),
            "role": .string(member.role.rawValue), "added_at": Self.time(member.addedAt),
        ])
    }

    func message(_ message: Message) -> JSONValue {
        let content: JSONValue
        switch message.content {
        case .text(let text)?: content = .string(text)
        case .readings(let readings)?: content = .object(readings)
        case nil: content = .null
        }
        return .object([
            "message_id": .string(message.id.description), "room_id": .string(message.roomID.description),
            "sequence_number": .number(Double(message.sequenceNumber)), "rev": .number(Double(message.rev)),
            "sender_id": .string(message.senderID.rawValue),
            "sender_display_name": .string(
                message.senderDisplayName.isEmpty ? message.senderID.rawValue : message.senderDisplayName),
            "message_type": .string(message.kind.rawValue), "content": content,
            "metadata": message.metadata.map { .object($0) } ?? .null,
            "mentions": .array(message.mentions.map { .string($0.rawValue) }),
            // A deleted message's file is not offered for download any more than its text is shown.
            "file": message.file.map { self.file($0, downloadable: message.deletedAt == nil) } ?? .null,
            "client_id": message.clientID.map { .string($0) } ?? .null,
            "created_at": Self.time(message.createdAt), "edited_at": Self.time(message.editedAt),
            "deleted_at": Self.time(message.deletedAt),
            "deleted_by": message.deletedBy.map { .string($0.rawValue) } ?? .null,
            "reactions": self.reactions(message.reactions),
            "pinned_at": Self.time(message.pinnedAt),
            "pinned_by": message.pinnedBy.map { .string($0.rawValue) } ?? .null,
        ])
    }

    func reactions(_ reactions: [ReactionSummary]) -> JSONValue {
        .array(
            reactions.map { reaction in
                .object([
                    "emoji": .string(reaction.emoji), "count": .number(Double(reaction.count)),
                    "user_ids": .array(reaction.userIDs.map { .string($0.rawValue) }),
                ])
            })
    }

    /// A file as the API shows it; a deleted file (or one of a deleted message) has no `download_url`.
    func file(_ file: StoredFile, downloadable: Bool = true) -> JSONValue {
        let url =
            downloadable && file.deletedAt == nil
            ? try? self.objects?.downloadURL(
                key: file.objectKey, expiresIn: Self.downloadLinkLifetime, at: self.clock.now()) : nil
        return .object([
            "file_id": .string(file.id.description), "room_id": .string(file.roomID.description),
            "filename": .string(file.filename), "content_type": .string(file.contentType),
            "size": .number(Double(file.size)), "file_type": .string(file.fileType.rawValue),
            "uploaded_by": .string(file.uploadedBy.rawValue), "uploaded_at": Self.time(file.uploadedAt),
            "download_url": url.map { .string($0) } ?? .null,
        ])
    }

    func notification(_ notification: UserNotification) -> JSONValue {
        .object([
            "id": .string(notification.id.description), "type": .string(notification.kind.rawValue),
            "title": .string(notification.title), "message": .string(notification.message),
            "room_id": .string(notification.roomID.description),
            "reference_type": .string(notification.reference.type), "reference_id": .string(notification.reference.id),
            "created_at": Self.time(notification.createdAt), "read_at": Self.time(notification.readAt),
        ])
    }

    func presence(_ entry: PresenceEntry, since: Bool) -> JSONValue {
        var object: JSONObject = [
            "user_id": .string(entry.userID.rawValue), "display_name": .string(entry.displayName),
        ]
        if since { object["connected_at"] = Self.time(entry.since) }
        return .object(object)
    }

    func error(_ refusal: Refusal) -> JSONValue {
        var details = JSONObject()
        if case .domain(let error) = refusal {
            switch error {
            case .validationFailed(let field, _), .invalidParameter(let field, _): details["field"] = .string(field)
            case .rateLimited(let seconds): details["retry_after"] = .number(Double(seconds))
            case .messageTooLarge(let limit), .fileTooLarge(let limit): details["limit"] = .number(Double(limit))
            case .unauthorized, .invalidCredentials, .forbidden, .insufficientPermissions, .notOwner,
                .editWindowExpired, .notFound, .conflict, .roomArchived, .unsupportedMediaType, .unavailable,
                .directoryUnavailable, .storageUnavailable:
                break
            }
        }
        var body: JSONObject = ["code": .string(refusal.code), "message": .string(refusal.message)]
        if !details.isEmpty { body["details"] = .object(details) }
        return .object(["error": .object(body)])
    }

    static func time(_ date: Date?) -> JSONValue {
        date.map { .string(Timestamp.format($0)) } ?? .null
    }
}
