internal import Application
internal import Domain
internal import Foundation

/// The compact wire form of `LiveEvent`s in NOTIFY payloads (PostgreSQL caps a payload at 8 000 bytes).
///
/// Message events carry ids only; the receiving process loads the message (by primary key) when it decodes them, so
/// a 10 KB message or 100 KB of readings never has to fit. The other events are small and travel whole; a notification
/// or an announcement too large for a payload travels as its id and is loaded too.
///
/// Decoding reads bytes any database client could NOTIFY on the channel: a field of the wrong type or a number out
/// of range (NaN, 1e300, a fraction where a count belongs) drops the event, never traps.
enum PostgresEventCodec {
    /// Leaves room for the envelope in the 8 000-byte payload.
    static let maximumPayloadBytes = 7_800

    /// One event as JSON; nil when it cannot be sent (never, in practice).
    static func encode(_ event: LiveEvent) -> JSONValue {
        var object = JSONObject()
        switch event {
        case .messageCreated(let message):
            object["t"] = .string("created")
            object["m"] = .string(message.id.description)
        case .messageEdited(let message):
            object["t"] = .string("edited")
            object["m"] = .string(message.id.description)
        case .messageDeleted(let message):
            object["t"] = .string("deleted")
            object["m"] = .string(message.id.description)
        case .reactionsUpdated(let message, let user, let emoji, let action):
            object["t"] = .string("reactions")
            object["m"] = .string(message.id.description)
            object["u"] = .string(user.rawValue)
            object["e"] = .string(emoji)
            object["a"] = .string(action.rawValue)
        case .typing(let room, let user, let displayName, let isTyping):
            object["t"] = .string("typing")
            object["r"] = .string(room.description)
            object["u"] = .string(user.rawValue)
            object["n"] = .string(displayName)
            object["y"] = .bool(isTyping)
        case .userJoined(let room, let user, let displayName, let at):
            object["t"] = .string("joined")
            object["r"] = .string(room.description)
            object["u"] = .string(user.rawValue)
            object["n"] = .string(displayName)
            object["at"] = .number(Double(PostgresTime.microseconds(since2000: at)))
        case .userLeft(let room, let user, let displayName, let at):
            object["t"] = .string("left")
            object["r"] = .string(room.description)
            object["u"] = .string(user.rawValue)
            object["n"] = .string(displayName)
            object["at"] = .number(Double(PostgresTime.microseconds(since2000: at)))
        case .accessRevoked(let room, let user):
            object["t"] = .string("revoked")
            object["r"] = .string(room.description)
            object["u"] = .string(user.rawValue)
        case .tokenRevoked(let tokenID):
            object["t"] = .string("token_revoked")
            object["id"] = .string(tokenID)
        case .notification(let notification):
            object = Self.encode(notification)
            if JSONWriter.encode(.object(object)).count > Self.maximumPayloadBytes / 2 {
                object = ["t": .string("notification_ref"), "id": .string(notification.id.description)]
            }
        case .readReceipt(let room, let user, let displayName, let sequence, let at):
            object["t"] = .string("receipt")
            object["r"] = .string(room.description)
            object["u"] = .string(user.rawValue)
            object["n"] = .string(displayName)
            object["s"] = .number(Double(sequence))
            object["at"] = .number(Double(PostgresTime.microseconds(since2000: at)))
        case .messagePinned(let message):
            object["t"] = .string("pinned")
            object["m"] = .string(message.id.description)
        case .messageUnpinned(let message):
            object["t"] = .string("unpinned")
            object["m"] = .string(message.id.description)
        case .announcement(let announcement):
            object = [
                "t": .string("announcement"), "id": .string(announcement.id.description),
                "me": .string(announcement.message), "sv": .string(announcement.severity.rawValue),
                "by": .string(announcement.createdBy.rawValue),
                "at": .number(Double(PostgresTime.microseconds(since2000: announcement.createdAt))),
            ]
            if JSONWriter.encode(.object(object)).count > Self.maximumPayloadBytes / 2 {
                object = ["t": .string("announcement_ref"), "id": .string(announcement.id.description)]
            }
        }
        return .object(object)
    }

    private static func encode(_ notification: UserNotification) -> JSONObject {
        [
            "t": .string("notification"), "id": .string(notification.id.description),
            "u": .string(notification.userID.rawValue), "k": .string(notification.kind.rawValue),
            "ti": .string(notification.title), "me": .string(notification.message),
            "r": .string(notification.roomID.description), "rt": .string(notification.reference.type),
            "ri": .string(notification.reference.id),
            "at": .number(Double(PostgresTime.microseconds(since2000: notification.createdAt))),
        ]
    }

    /// Rebuilds an event, loading what the payload names by id on `connection`; nil for an event that no longer
    /// applies (its message is gone) or that this version does not know.
    static func decode(_ value: JSONValue, on connection: PostgresConnection) throws -> LiveEvent? {
        try Self.decode(value, loading: .database(connection))
    }

    /// How a payload's references (`m`, `id`) are read back: from the database, or (the fuzz target) not at all.
    struct Loader {
        var message: (MessageID) throws -> Message?
        var notification: (NotificationID) throws -> UserNotification?
        var announcement: (AnnouncementID) throws -> Announcement?

        static func database(_ connection: PostgresConnection) -> Loader {
            Loader(
                message: { try PostgresMessageStore.loadMessage(id: $0, on: connection) },
                notification: { try PostgresNotificationStore.load(id: $0, on: connection) },
                announcement: { try PostgresNotificationStore.loadAnnouncement(id: $0, on: connection) })
        }

        /// Every reference names something that is gone.
        static var nothing: Loader {
            Loader(message: { _ in nil }, notification: { _ in nil }, announcement: { _ in nil })
        }
    }

    static func decode(_ value: JSONValue, loading loader: Loader) throws -> LiveEvent? {
        guard let kind = value["t"]?.stringValue else { return nil }
        func message() throws -> Message? {
            guard let id = value["m"]?.stringValue.flatMap(MessageID.init) else { return nil }
            return try loader.message(id)
        }
        func room() -> RoomID? { value["r"]?.stringValue.flatMap(RoomID.init) }
        func user() -> UserID? { value["u"]?.stringValue.map(UserID.init(rawValue:)) }
        func time() -> Date? {
            // Within ±36 000 years of 2000: far beyond any real time, and far from Int64's edges.
            guard let microseconds = Self.integer(value["at"]), abs(microseconds) < 1 << 60 else { return nil }
            return PostgresTime.date(microsecondsSince2000: microseconds)
        }
        switch kind {
        case "created": return try message().map(LiveEvent.messageCreated)
        case "edited": return try message().map(LiveEvent.messageEdited)
        case "deleted": return try message().map(LiveEvent.messageDeleted)
        case "reactions":
            guard let message = try message(), let user = user(), let emoji = value["e"]?.stringValue,
                let action = value["a"]?.stringValue.flatMap(ReactionAction.init(rawValue:))
            else { return nil }
            return .reactionsUpdated(message, user: user, emoji: emoji, action: action)
        case "typing":
            guard let room = room(), let user = user(), let name = value["n"]?.stringValue,
                case .bool(let isTyping)? = value["y"]
            else { return nil }
            return .typing(room: room, user: user, displayName: name, isTyping: isTyping)
        case "joined", "left":
            guard let room = room(), let user = user(), let name = value["n"]?.stringValue, let at = time() else {
                return nil
            }
            return kind == "joined"
                ? .userJoined(room: room, user: user, displayName: name, at: at)
                : .userLeft(room: room, user: user, displayName: name, at: at)
        case "revoked":
            guard let room = room(), let user = user() else { return nil }
            return .accessRevoked(room: room, user: user)
        case "notification":
            guard let id = value["id"]?.stringValue.flatMap(NotificationID.init), let user = user(),
                let kind = value["k"]?.stringValue.flatMap(NotificationKind.init(rawValue:)),
                let title = value["ti"]?.stringValue, let text = value["me"]?.stringValue, let room = room(),
                let referenceID = value["ri"]?.stringValue, let at = time()
            else { return nil }
            let reference: NotificationReference
            switch value["rt"]?.stringValue {
            case "message":
                guard let id = MessageID(referenceID) else { return nil }
                reference = .message(id)
            case "room":
                guard let id = RoomID(referenceID) else { return nil }
                reference = .room(id)
            default:
                return nil
            }
            return .notification(
                UserNotification(
                    id: id, userID: user, kind: kind, title: title, message: text, roomID: room, reference: reference,
                    createdAt: at))
        case "token_revoked":
            return value["id"]?.stringValue.map { LiveEvent.tokenRevoked(tokenID: $0) }
        case "notification_ref":
            guard let id = value["id"]?.stringValue.flatMap(NotificationID.init) else { return nil }
            return try loader.notification(id).map(LiveEvent.notification)
        case "receipt":
            guard let room = room(), let user = user(), let name = value["n"]?.stringValue,
                let sequence = Self.integer(value["s"]), sequence >= 0, let at = time()
            else { return nil }
            return .readReceipt(room: room, user: user, displayName: name, lastReadSequence: sequence, at: at)
        case "pinned": return try message().map(LiveEvent.messagePinned)
        case "unpinned": return try message().map(LiveEvent.messageUnpinned)
        case "announcement":
            guard let id = value["id"]?.stringValue.flatMap(AnnouncementID.init), let text = value["me"]?.stringValue,
                let severity = value["sv"]?.stringValue.flatMap(AnnouncementSeverity.init(rawValue:)),
                let by = value["by"]?.stringValue, let at = time()
            else { return nil }
            return .announcement(
                Announcement(id: id, message: text, severity: severity, createdBy: UserID(rawValue: by), createdAt: at))
        case "announcement_ref":
            guard let id = value["id"]?.stringValue.flatMap(AnnouncementID.init) else { return nil }
            return try loader.announcement(id).map(LiveEvent.announcement)
        default:
            return nil
        }
    }

    /// A whole number that fits an Int64, or nil (a fraction, NaN, infinity, out of range, not a number).
    static func integer(_ value: JSONValue?) -> Int64? {
        guard let number = value?.numberValue else { return nil }
        return Int64(exactly: number)
    }
}
