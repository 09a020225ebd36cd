internal import Application
package import Domain
package import Foundation

/// `NotificationStore` on PostgreSQL.
package struct PostgresNotificationStore: NotificationStore {
    let pool: PostgresPool

    package init(pool: PostgresPool) {
        self.pool = pool
    }

    private static let columns = """
        notification_id, user_id, kind, title, message, room_id, reference_type, reference_id, created_at, read_at
        """

    package func add(_ notifications: [UserNotification]) async throws {
        guard !notifications.isEmpty else { return }
        try await self.pool.write { connection in
            for notification in notifications {
                let referenceID: UUID
                switch notification.reference {
                case .message(let id): referenceID = id.uuid
                case .room(let id): referenceID = id.uuid
                }
                // A mention of a message the recipient's marker has passed is read already (NotificationStore.add).
                try connection.query(
                    """
                    INSERT INTO notifications (\(Self.columns)) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,
                        COALESCE($10, (
                            SELECT $9::timestamptz FROM read_markers rk JOIN messages m ON m.message_id = $8
                            WHERE $3::text = 'mention' AND $7::text = 'message' AND rk.room_id = $6
                                AND rk.user_id = $2 AND m.room_id = $6 AND m.sequence_number <= rk.last_read_seq)))
                    """,
                    [
                        .uuid(notification.id.uuid), .text(notification.userID.rawValue),
                        .text(notification.kind.rawValue), .text(notification.title), .text(notification.message),
                        .uuid(notification.roomID.uuid), .text(notification.reference.type), .uuid(referenceID),
                        .date(notification.createdAt), .date(notification.readAt),
                    ])
            }
        }
    }

    package func notifications(for userID: UserID, unreadOnly: Bool, limit: Int) async throws -> [UserNotification] {
        try await self.pool.read { connection in
            try connection.query(
                """
                SELECT \(Self.columns) FROM notifications
                WHERE user_id = $1 AND (NOT $2 OR read_at IS NULL)
                ORDER BY created_at DESC, notification_id DESC LIMIT $3
                """, [.text(userID.rawValue), .bool(unreadOnly), .int(max(0, limit))]
            ).rows.map(Self.decode)
        }
    }

    package func unreadCount(for userID: UserID) async throws -> Int {
        try await self.pool.read { connection in
            try connection.query(
                "SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL", [.text(userID.rawValue)]
            ).first.map { try $0.decode(Int.self, at: 0) } ?? 0
        }
    }

    package func markRead(_ id: NotificationID, for userID: UserID, at: Date) async throws -> Bool {
        try await self.pool.write { connection in
            try connection.query(
                """
                UPDATE notifications SET read_at = COALESCE(read_at, $3) WHERE notification_id = $1 AND user_id = $2
                """, [.uuid(id.uuid), .text(userID.rawValue), .date(at)]
            ).affectedRows == 1
        }
    }

    package func markAllRead(for userID: UserID, at: Date) async throws {
        try await self.pool.write { connection in
            _ = try connection.query(
                "UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL",
                [.text(userID.rawValue), .date(at)])
        }
    }

    // MARK: - Announcements

    private static let announcementColumns = "announcement_id, message, severity, created_by, created_at"

    package func add(_ announcement: Announcement) async throws {
        try await self.pool.write { connection in
            do {
                try connection.query(
                    "INSERT INTO announcements (\(Self.announcementColumns)) VALUES ($1, $2, $3, $4, $5)",
                    [
                        .uuid(announcement.id.uuid), .text(announcement.message),
                        .text(announcement.severity.rawValue), .text(announcement.createdBy.rawValue),
                        .date(announcement.createdAt),
                    ])
            } catch let error as PostgresError where error.isUniqueViolation {
                throw DomainError.conflict("The announcement already exists.")
            }
        }
    }

    package func announcements(since: Date, limit: Int) async throws -> [Announcement] {
        try await self.pool.read { connection in
            try connection.query(
                """
                SELECT \(Self.announcementColumns) FROM announcements WHERE created_at >= $1
                ORDER BY created_at DESC, announcement_id DESC LIMIT $2
                """, [.date(since), .int(max(0, limit))]
            ).rows.map(Self.decodeAnnouncement)
        }
    }

    /// One announcement by id, on a connection the caller holds (the event bus's listener).
    static func loadAnnouncement(id: AnnouncementID, on connection: PostgresConnection) throws -> Announcement? {
        try connection.query(
            "SELECT \(Self.announcementColumns) FROM announcements WHERE announcement_id = $1", [.uuid(id.uuid)]
        ).first.map(Self.decodeAnnouncement)
    }

    private static func decodeAnnouncement(_ row: PostgresRow) throws -> Announcement {
        guard let severity = AnnouncementSeverity(rawValue: try row.decode(String.self, at: 2)) else {
            throw PostgresError(.decoding)
        }
        return Announcement(
            id: AnnouncementID(uuid: try row.decode(UUID.self, at: 0)), message: try row.decode(String.self, at: 1),
            severity: severity, createdBy: UserID(rawValue: try row.decode(String.self, at: 3)),
            createdAt: try row.decode(Date.self, at: 4))
    }

    /// One notification by id, on a connection the caller holds (the event bus's listener).
    static func load(id: NotificationID, on connection: PostgresConnection) throws -> UserNotification? {
        try connection.query(
            "SELECT \(Self.columns) FROM notifications WHERE notification_id = $1", [.uuid(id.uuid)]
        ).first.map(Self.decode)
    }

    private static func decode(_ row: PostgresRow) throws -> UserNotification {
        guard let kind = NotificationKind(rawValue: try row.decode(String.self, at: 2)) else {
            throw PostgresError(.decoding)
        }
        let referenceID = try row.decode(UUID.self, at: 7)
        let reference: NotificationReference
        switch try row.decode(String.self, at: 6) {
        case "message": reference = .message(MessageID(uuid: referenceID))
        case "room": reference = .room(RoomID(uuid: referenceID))
        default: throw PostgresError(.decoding)
        }
        return UserNotification(
            id: NotificationID(uuid: try row.decode(UUID.self, at: 0)),
            userID: UserID(rawValue: try row.decode(String.self, at: 1)), kind: kind,
            title: try row.decode(String.self, at: 3), message: try row.decode(String.self, at: 4),
            roomID: RoomID(uuid: try row.decode(UUID.self, at: 5)), reference: reference,
            createdAt: try row.decode(Date.self, at: 8), readAt: try row.decode(Date?.self, at: 9))
    }
}
