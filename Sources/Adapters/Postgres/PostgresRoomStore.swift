package import Application
package import Domain
package import Foundation

/// `RoomStore` on PostgreSQL. Each change and its system message are stored in one transaction.
package struct PostgresRoomStore: RoomStore {
    let pool: PostgresPool

    package init(pool: PostgresPool) {
        self.pool = pool
    }

    private static let columns = """
        r.room_id, r.title, r.incident_type, r.severity, r.status, r.location, r.description, r.lots, r.created_by, \
        r.created_at, r.updated_at, r.resolved_at, r.last_activity_at, r.last_seq, r.rev, \
        (SELECT count(*) FROM room_members rm WHERE rm.room_id = r.room_id) AS member_count
        """

    package func create(_ room: NewRoom, owner: Member, announcement: NewMessage) async throws -> (Room, Message) {
        try await self.pool.write { connection in
            do {
                try connection.query(
                    """
                    INSERT INTO incident_rooms (room_id, title, incident_type, severity, status, location, description,
                        lots, created_by, created_at, updated_at, last_activity_at)
                    VALUES ($1, $2, $3, $4, 'active', $5, $6, $7, $8, $9, $9, $9)
                    """,
                    [
                        .uuid(room.id.uuid), .text(room.title), .text(room.incidentType.rawValue),
                        .text(room.severity.rawValue), .text(room.location), .text(room.description),
                        .textArray(room.lots), .text(room.createdBy.rawValue), .date(room.createdAt),
                    ])
            } catch let error as PostgresError where error.isUniqueViolation {
                throw DomainError.conflict("The room already exists.")
            }
            try Self.insertMember(owner, on: connection)
            let message = try Self.announce(announcement, on: connection)
            return (try Self.loadRoom(room.id, on: connection), message)
        }
    }

    package func room(id: RoomID) async throws -> Room? {
        try await self.pool.read { connection in try Self.findRoom(id, on: connection) }
    }

    package func rooms(ids: [RoomID]) async throws -> [Room] {
        guard !ids.isEmpty else { return [] }
        return try await self.pool.read { connection in
            try connection.query(
                "SELECT \(Self.columns) FROM incident_rooms r WHERE r.room_id = ANY($1)",
                [.array(oid: PostgresOID.uuidArray, ids.map(\.description))]
            ).rows.map(Self.decodeRoom)
        }
    }

    package func rooms(matching query: RoomQuery) async throws -> (rooms: [RoomListing], total: Int) {
        try await self.pool.read { connection in
            var conditions: [String] = []
            var binds: [PostgresBind] = []
            if let memberID = query.memberID {
                binds.append(.text(memberID.rawValue))
                conditions.append(
                    "EXISTS (SELECT 1 FROM room_members m WHERE m.room_id = r.room_id AND m.user_id = $\(binds.count))")
            }
            if let status = query.status {
                binds.append(.text(status.rawValue))
                conditions.append("r.status = $\(binds.count)")
            }
            if let incidentType = query.incidentType {
                binds.append(.text(incidentType.rawValue))
                conditions.append("r.incident_type = $\(binds.count)")
            }
            if let severity = query.severity {
                binds.append(.text(severity.rawValue))
                conditions.append("r.severity = $\(binds.count)")
            }
            if let text = query.text, !text.isEmpty {
                binds.append(.text("%" + PostgresMessageStore.escapeLike(text) + "%"))
                let p = "$\(binds.count)"
                conditions.append(
                    """
                    (r.title ILIKE \(p) OR r.description ILIKE \(p) OR r.location ILIKE \(p)
                     OR EXISTS (SELECT 1 FROM unnest(r.lots) AS lot WHERE lot ILIKE \(p)))
                    """)
            }
            // The reader's read state joins every room; its parameter comes last, so that counting the rooms
            // without it (when no unread filter needs it) keeps the others' numbers.
            let filterBinds = binds
            var source = "incident_rooms r"
            var state = "0::int8, 0::int8, 0::int8"
            if let reader = query.reader {
                binds.append(.text(reader.rawValue))
                source += " " + PostgresReadMarkers.stateJoins(reader: binds.count)
                state = "mk.last_read, rs.unread, rs.mentions"
                if query.unreadOnly { conditions.append("rs.unread > 0") }
            }
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            let counted =
                query.unreadOnly && query.reader != nil ? (source, binds) : ("incident_rooms r", filterBinds)
            let total =
                try connection.query("SELECT count(*) FROM \(counted.0) \(filter)", counted.1)
                .first.map { try $0.decode(Int.self, at: 0) } ?? 0
            let order: String
            switch query.sort {
            case .activity: order = "r.last_activity_at DESC, r.room_id DESC"
            }
            let page = binds + [.int(max(0, query.limit)), .int(max(0, query.offset))]
            let rooms = try connection.query(
                """
                SELECT \(Self.columns), \(state) FROM \(source) \(filter)
                ORDER BY \(order)
                LIMIT $\(binds.count + 1) OFFSET $\(binds.count + 2)
                """, page
            ).rows.map { row in RoomListing(room: try Self.decodeRoom(row), readState: try Self.decodeState(row)) }
            return (rooms, total)
        }
    }

    package func update(_ id: RoomID, changes: RoomChanges, at: Date, announcement: NewMessage) async throws
        -> (Room, Message)
    {
        try await self.pool.write { connection in
            let current = try Self.lock(id, on: connection)
            var assignments = ["updated_at = $2"]
            var binds: [PostgresBind] = [.uuid(id.uuid), .date(at)]
            func set(_ column: String, _ bind: PostgresBind) {
                binds.append(bind)
                assignments.append("\(column) = $\(binds.count)")
            }
            if let title = changes.title { set("title", .text(title)) }
            if let severity = changes.severity { set("severity", .text(severity.rawValue)) }
            if let location = changes.location { set("location", .text(location)) }
            if let description = changes.description { set("description", .text(description)) }
            if let lots = changes.lots { set("lots", .textArray(lots)) }
            if let status = changes.status, status != current {
                set("status", .text(status.rawValue))
                switch status {
                case .resolved: set("resolved_at", .date(at))
                case .active: set("resolved_at", .date(nil))
                case .archived: break
                }
            }
            try connection.query(
                "UPDATE incident_rooms SET \(assignments.joined(separator: ", ")) WHERE room_id = $1", binds)
            let message = try Self.announce(announcement, on: connection)
            return (try Self.loadRoom(id, on: connection), message)
        }
    }

    // MARK: - Members

    private static let memberColumns = "room_id, user_id, display_name, role, added_at"

    package func members(of roomID: RoomID) async throws -> [Member] {
        try await self.pool.read { connection in
            try connection.query(
                "SELECT \(Self.memberColumns) FROM room_members WHERE room_id = $1 ORDER BY position",
                [.uuid(roomID.uuid)]
            ).rows.map(Self.decodeMember)
        }
    }

    package func member(_ userID: UserID, of roomID: RoomID) async throws -> Member? {
        try await self.pool.read { connection in
            try connection.query(
                "SELECT \(Self.memberColumns) FROM room_members WHERE room_id = $1 AND user_id = $2",
                [.uuid(roomID.uuid), .text(userID.rawValue)]
            ).first.map(Self.decodeMember)
        }
    }

    package func memberships(of userID: UserID) async throws -> [RoomID: Role] {
        try await self.pool.read { connection in
            var memberships: [RoomID: Role] = [:]
            for row in try connection.query(
                "SELECT room_id, role FROM room_members WHERE user_id = $1", [.text(userID.rawValue)]
            ).rows {
                guard let role = Role(rawValue: try row.decode(String.self, at: 1)) else {
                    throw PostgresError(.decoding)
                }
                memberships[RoomID(uuid: try row.decode(UUID.self, at: 0))] = role
            }
            return memberships
        }
    }

    package func add(_ member: Member, announcement: NewMessage) async throws -> (Member, Message) {
        try await self.pool.write { connection in
            try Self.lock(member.roomID, on: connection)
            let stored = try Self.insertMember(member, on: connection)
            return (stored, try Self.announce(announcement, on: connection))
        }
    }

    package func changeRole(of userID: UserID, in roomID: RoomID, to role: Role, announcement: NewMessage)
        async throws -> (Member, Message)
    {
        try await self.pool.write { connection in
            try Self.lock(roomID, missing: "Member", on: connection)
            guard
                let member = try connection.query(
                    """
                    UPDATE room_members SET role = $3 WHERE room_id = $1 AND user_id = $2
                    RETURNING \(Self.memberColumns)
                    """, [.uuid(roomID.uuid), .text(userID.rawValue), .text(role.rawValue)]
                ).first.map(Self.decodeMember)
            else { throw DomainError.notFound("Member") }
            return (member, try Self.announce(announcement, on: connection))
        }
    }

    package func remove(_ userID: UserID, from roomID: RoomID, announcement: NewMessage) async throws -> Message {
        try await self.pool.write { connection in
            try Self.lock(roomID, missing: "Member", on: connection)
            guard
                try connection.query(
                    "DELETE FROM room_members WHERE room_id = $1 AND user_id = $2",
                    [.uuid(roomID.uuid), .text(userID.rawValue)]
                ).affectedRows == 1
            else { throw DomainError.notFound("Member") }
            return try Self.announce(announcement, on: connection)
        }
    }

    // MARK: - Read markers

    package func advanceReadMarker(of user: UserID, in roomID: RoomID, to sequence: Int64, at: Date) async throws
        -> (marker: ReadMarker, moved: Bool)
    {
        try await self.pool.write { connection in
            guard
                let last = try connection.query(
                    "SELECT last_seq FROM incident_rooms WHERE room_id = $1", [.uuid(roomID.uuid)]
                ).first.map({ try $0.decode(Int64.self, at: 0) })
            else { throw DomainError.notFound("Room") }
            let target = min(max(0, sequence), last)
            if target > 0 {
                let statement = PostgresReadMarkers.advance([.init(room: roomID, user: user, sequence: target, at: at)])
                if let moved = try connection.query(statement.sql, statement.binds).first {
                    return (try PostgresReadMarkers.decodeMarker(moved), true)
                }
            }
            let current = try connection.query(
                "SELECT room_id, user_id, last_read_seq, read_at FROM read_markers WHERE room_id = $1 AND user_id = $2",
                [.uuid(roomID.uuid), .text(user.rawValue)]
            ).first.map(PostgresReadMarkers.decodeMarker)
            return (current ?? ReadMarker(roomID: roomID, userID: user, lastReadSequence: 0, readAt: nil), false)
        }
    }

    package func readMarkers(in roomID: RoomID) async throws -> [UserID: ReadMarker] {
        try await self.pool.read { connection in
            var markers: [UserID: ReadMarker] = [:]
            for row in try connection.query(
                "SELECT room_id, user_id, last_read_seq, read_at FROM read_markers WHERE room_id = $1",
                [.uuid(roomID.uuid)]
            ).rows {
                let marker = try PostgresReadMarkers.decodeMarker(row)
                markers[marker.userID] = marker
            }
            return markers
        }
    }

    package func readState(of user: UserID, in roomID: RoomID) async throws -> ReadState {
        try await self.pool.read { connection in
            try connection.query(
                """
                SELECT \(Self.columns), mk.last_read, rs.unread, rs.mentions
                FROM incident_rooms r \(PostgresReadMarkers.stateJoins(reader: 2)) WHERE r.room_id = $1
                """, [.uuid(roomID.uuid), .text(user.rawValue)]
            ).first.map(Self.decodeState) ?? .empty
        }
    }

    // MARK: - Helpers

    /// The read state after the room's columns (16, 17, 18).
    private static func decodeState(_ row: PostgresRow) throws -> ReadState {
        ReadState(
            lastReadSequence: try row.decode(Int64.self, at: 16), unreadCount: try row.decode(Int.self, at: 17),
            mentionCount: try row.decode(Int.self, at: 18))
    }

    /// Locks the room row (the same first lock `append` takes) and returns its status; `notFound(missing)` when
    /// there is no such room.
    @discardableResult
    private static func lock(_ id: RoomID, missing: String = "Room", on connection: PostgresConnection) throws
        -> RoomStatus
    {
        guard
            let status = try connection.query(
                "SELECT status FROM incident_rooms WHERE room_id = $1 FOR NO KEY UPDATE", [.uuid(id.uuid)]
            ).first.map({ RoomStatus(rawValue: try $0.decode(String.self, at: 0)) })
        else { throw DomainError.notFound(missing) }
        guard let status else { throw PostgresError(.decoding) }
        return status
    }

    @discardableResult
    private static func insertMember(_ member: Member, on connection: PostgresConnection) throws -> Member {
        guard
            let stored = try connection.query(
                """
                INSERT INTO room_members (room_id, user_id, display_name, role, added_at) VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (room_id, user_id) DO NOTHING RETURNING \(Self.memberColumns)
                """,
                [
                    .uuid(member.roomID.uuid), .text(member.userID.rawValue), .text(member.displayName),
                    .text(member.role.rawValue), .date(member.addedAt),
                ]
            ).first.map(Self.decodeMember)
        else { throw DomainError.conflict("The user is already a member.") }
        return stored
    }

    private static func announce(_ announcement: NewMessage, on connection: PostgresConnection) throws -> Message {
        guard let result = try PostgresMessageStore.append([announcement], on: connection).first else {
            throw PostgresError(.decoding)
        }
        return result.message
    }

    private static func findRoom(_ id: RoomID, on connection: PostgresConnection) throws -> Room? {
        try connection.query("SELECT \(Self.columns) FROM incident_rooms r WHERE r.room_id = $1", [.uuid(id.uuid)])
            .first.map(Self.decodeRoom)
    }

    private static func loadRoom(_ id: RoomID, on connection: PostgresConnection) throws -> Room {
        guard let room = try Self.findRoom(id, on: connection) else { throw DomainError.notFound("Room") }
        return room
    }

    private static func decodeRoom(_ row: PostgresRow) throws -> Room {
        guard let incidentType = IncidentType(rawValue: try row.decode(String.self, at: 2)),
            let severity = Severity(rawValue: try row.decode(String.self, at: 3)),
            let status = RoomStatus(rawValue: try row.decode(String.self, at: 4))
        else { throw PostgresError(.decoding) }
        return Room(
            id: RoomID(uuid: try row.decode(UUID.self, at: 0)), title: try row.decode(String.self, at: 1),
            incidentType: incidentType, severity: severity, status: status,
            location: try row.decode(String.self, at: 5), description: try row.decode(String.self, at: 6),
            lots: try row.decode([String].self, at: 7), createdBy: UserID(rawValue: try row.decode(String.self, at: 8)),
            createdAt: try row.decode(Date.self, at: 9), updatedAt: try row.decode(Date.self, at: 10),
            resolvedAt: try row.decode(Date?.self, at: 11), lastActivityAt: try row.decode(Date.self, at: 12),
            lastSequenceNumber: try row.decode(Int64.self, at: 13), rev: try row.decode(Int64.self, at: 14),
            memberCount: try row.decode(Int.self, at: 15))
    }

    private static func decodeMember(_ row: PostgresRow) throws -> Member {
        guard let role = Role(rawValue: try row.decode(String.self, at: 3)) else { throw PostgresError(.decoding) }
        return Member(
            roomID: RoomID(uuid: try row.decode(UUID.self, at: 0)),
            userID: UserID(rawValue: try row.decode(String.self, at: 1)),
            displayName: try row.decode(String.self, at: 2), role: role, addedAt: try row.decode(Date.self, at: 4))
    }
}
