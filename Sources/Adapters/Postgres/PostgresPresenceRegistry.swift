package import Application
package import Domain
package import Foundation
internal import Synchronization

/// `PresenceRegistry` shared by every server process on one database: who is connected to which room, anywhere,
/// and who is typing.
///
/// Tables (migration 9, unlogged: presence is not data, and a crashed server's presence is best forgotten):
/// - `presence_processes`: one row per live process (`process_id`, `heartbeat_at`), refreshed by
///   `expireStaleConnections(at:)` about once a second;
/// - `presence_connections`: one row per open connection (`process_id`, `connection_id`, room, user);
/// - `presence_members`: one row per (room, user) with at least one connection (display name, `since`). Every change
///   of a user's connections to a room first locks this row, so "first connection anywhere" (`user_joined`) and
///   "last connection anywhere" (`user_left`) are decided once even when processes race;
/// - `presence_typing`: (room, user, `refreshed_at`); whichever process deletes an expired row announces it, so
///   typing lapses 3 s after the last keystroke everywhere, announced once.
///
/// A process that dies (kill -9) stops heartbeating; after `expiry` (30 s) the first other process to sweep deletes
/// its connections, and the users left with none anywhere are returned once, for `user_left`. A process whose
/// heartbeat was swept while it lived (cut off from the database for longer than `expiry`) notices at its next
/// heartbeat and writes its connections again (without announcing them again). Times come from the callers' clocks:
/// the processes' clocks must agree to well within `expiry` (NTP does).
///
/// Every statement runs on the pool's threads, never on an event loop. A failed write is reported to `onFailure` and
/// repaired at the next heartbeat from this process's own record of its connections.
package final class PostgresPresenceRegistry: PresenceRegistry {
    /// How long a process's entries outlive its last heartbeat.
    package static let defaultExpiry: TimeInterval = 30

    private let pool: PostgresPool
    private let processID: UUID
    private let expiry: TimeInterval
    private let onFailure: @Sendable (any Error) -> Void
    private let local = Mutex(Local())

    /// This process's own connections: the truth its rows are repaired from.
    private struct Local {
        struct Connection {
            var room: RoomID
            var user: UserID
            var displayName: String
            var since: Date
        }
        var connections: [UInt64: Connection] = [:]
        /// Whether the process row was written (it is written before the first connection).
        var registered = false
        /// A write failed, or the process row vanished: rewrite this process's rows at the next heartbeat.
        var needsRepair = false
    }

    /// - Parameters:
    ///   - processID: tells this process's connections from the others'; a new one per start.
    ///   - expiry: how long after its last heartbeat a process's connections are forgotten.
    ///   - onFailure: told about database failures (which presence survives: see the type's notes).
    package init(
        pool: PostgresPool, processID: UUID = UUID(), expiry: TimeInterval = PostgresPresenceRegistry.defaultExpiry,
        onFailure: @escaping @Sendable (any Error) -> Void = { _ in }
    ) {
        self.pool = pool
        self.processID = processID
        self.expiry = expiry
        self.onFailure = onFailure
    }

    // MARK: - Connections

    package func connect(_ connection: UInt64, user: UserID, displayName: String, room: RoomID, at date: Date) async
        -> Bool
    {
        let register = self.local.withLock { local in
            local.connections[connection] = Local.Connection(
                room: room, user: user, displayName: displayName, since: date)
            return !local.registered
        }
        let process = self.processID
        do {
            if register {
                try await self.pool.withConnection { try Self.register(process, at: date, on: $0) }
                self.local.withLock { $0.registered = true }
            }
            return try await self.pool.transaction { db in
                try Self.add(
                    process: process, connection: connection, user: user, displayName: displayName, room: room,
                    at: date, on: db)
            }
        } catch {
            self.failed(error)
            return false
        }
    }

    package func disconnect(_ connection: UInt64, user: UserID, room: RoomID) async -> Bool {
        self.local.withLock { _ = $0.connections.removeValue(forKey: connection) }
        let process = self.processID
        do {
            return try await self.pool.transaction { db in
                try Self.remove(process: process, connection: connection, user: user, room: room, on: db) != nil
            }
        } catch {
            self.failed(error)
            return false
        }
    }

    package func online(in room: RoomID) async -> [PresenceEntry] {
        await self.entries(
            "SELECT user_id, display_name, since FROM presence_members WHERE room_id = $1 ORDER BY since, user_id",
            in: room)
    }

    /// The rows `sql` reads for `room` (user id, display name, time), or none when the database fails.
    private func entries(_ sql: String, in room: RoomID) async -> [PresenceEntry] {
        do {
            return try await self.pool.withConnection { db in
                try db.query(sql, [.uuid(room.uuid)]).rows.map(Self.entry)
            }
        } catch {
            self.onFailure(error)
            return []
        }
    }

    // MARK: - Typing

    package func setTyping(_ isTyping: Bool, user: UserID, displayName: String, room: RoomID, at date: Date) async
        -> Bool
    {
        do {
            return try await self.pool.withConnection { db in
                if isTyping {
                    // One statement: the CTE sees the row as it was before the upsert.
                    return try db.query(
                        """
                        WITH before AS (SELECT 1 FROM presence_typing WHERE room_id = $1 AND user_id = $2),
                        upsert AS (
                            INSERT INTO presence_typing (room_id, user_id, display_name, refreshed_at)
                            VALUES ($1, $2, $3, $4)
                            ON CONFLICT (room_id, user_id) DO UPDATE
                                SET display_name = EXCLUDED.display_name, refreshed_at = EXCLUDED.refreshed_at
                        )
                        SELECT NOT EXISTS (SELECT 1 FROM before)
                        """, [.uuid(room.uuid), .text(user.rawValue), .text(displayName), .date(date)]
                    ).first?.decode(Bool.self, at: 0) ?? false
                }
                return try db.query(
                    "DELETE FROM presence_typing WHERE room_id = $1 AND user_id = $2",
                    [.uuid(room.uuid), .text(user.rawValue)]
                ).affectedRows > 0
            }
        } catch {
            self.onFailure(error)
            return false
        }
    }

    package func typing(in room: RoomID) async -> [PresenceEntry] {
        await self.entries(
            """
            SELECT user_id, display_name, refreshed_at FROM presence_typing WHERE room_id = $1
            ORDER BY refreshed_at, user_id
            """, in: room)
    }

    package func expireTyping(refreshedBefore cutoff: Date) async -> [(room: RoomID, entry: PresenceEntry)] {
        do {
            return try await self.pool.withConnection { db in
                // SKIP LOCKED: processes sweeping at the same moment split the rows instead of waiting on each
                // other; each expired row is deleted, and so announced, by exactly one of them.
                try db.query(
                    """
                    WITH stale AS (
                        SELECT room_id, user_id FROM presence_typing WHERE refreshed_at <= $1
                        FOR UPDATE SKIP LOCKED
                    )
                    DELETE FROM presence_typing t USING stale
                    WHERE t.room_id = stale.room_id AND t.user_id = stale.user_id
                    RETURNING t.room_id, t.user_id, t.display_name, t.refreshed_at
                    """, [.date(cutoff)]
                ).rows.map { row in
                    (
                        RoomID(uuid: try row.decode(UUID.self, at: 0)),
                        PresenceEntry(
                            userID: UserID(rawValue: try row.decode(String.self, at: 1)),
                            displayName: try row.decode(String.self, at: 2), since: try row.decode(Date.self, at: 3))
                    )
                }
            }
        } catch {
            self.onFailure(error)
            return []
        }
    }

    // MARK: - Heartbeat and expiry

    package func expireStaleConnections(at now: Date) async -> [(room: RoomID, entry: PresenceEntry)] {
        let process = self.processID
        var left: [(room: RoomID, entry: PresenceEntry)] = []
        do {
            let (registered, hasConnections) = self.local.withLock { ($0.registered, !$0.connections.isEmpty) }
            if registered || hasConnections {
                let alive = try await self.pool.withConnection { db in
                    try db.query(
                        "UPDATE presence_processes SET heartbeat_at = $2 WHERE process_id = $1",
                        [.uuid(process), .date(now)]
                    ).affectedRows > 0
                }
                if !alive { self.local.withLock { $0.needsRepair = true } }
            }
            if self.local.withLock({ $0.needsRepair }) { left += try await self.repair(at: now) }
            let cutoff = now.addingTimeInterval(-self.expiry)
            left += try await self.pool.transaction { db in
                // SKIP LOCKED: a process already being swept by another is left to that one.
                let dead = try db.query(
                    """
                    SELECT process_id FROM presence_processes WHERE heartbeat_at < $1 AND process_id <> $2
                    ORDER BY process_id FOR UPDATE SKIP LOCKED
                    """, [.date(cutoff), .uuid(process)]
                ).rows.map { try $0.decode(UUID.self, at: 0) }
                guard !dead.isEmpty else { return [] }
                let ids = PostgresBind.array(oid: PostgresOID.uuidArray, dead.map { $0.uuidString.lowercased() })
                let gone = try Self.removeAll(where: "process_id = ANY($1)", [ids], on: db)
                _ = try db.query("DELETE FROM presence_processes WHERE process_id = ANY($1)", [ids])
                return gone
            }
        } catch {
            self.failed(error)
        }
        return left
    }

    /// Makes this process's rows match its own record: writes the process row and the missing connections, and
    /// removes rows of connections it no longer has (returned when they were a user's last).
    private func repair(at now: Date) async throws -> [(room: RoomID, entry: PresenceEntry)] {
        let process = self.processID
        self.local.withLock { $0.needsRepair = false }
        let mine = self.local.withLock { $0.connections }
        try await self.pool.withConnection { try Self.register(process, at: now, on: $0) }
        self.local.withLock { $0.registered = true }
        return try await self.pool.transaction { db in
            let gone = try Self.removeAll(
                where: "process_id = $1 AND NOT (connection_id = ANY($2))",
                [
                    .uuid(process),
                    .array(oid: PostgresOID.int8Array, mine.keys.map { String(Int64(bitPattern: $0)) }),
                ], on: db)
            for (id, connection) in mine.sorted(by: { Self.lockOrder($0.value, $1.value) }) {
                _ = try Self.add(
                    process: process, connection: id, user: connection.user, displayName: connection.displayName,
                    room: connection.room, at: connection.since, on: db)
            }
            return gone
        }
    }

    private func failed(_ error: any Error) {
        self.local.withLock { $0.needsRepair = true }
        self.onFailure(error)
    }

    // MARK: - Statements (on a pool thread)

    private static func register(_ process: UUID, at now: Date, on db: PostgresConnection) throws {
        _ = try db.query(
            """
            INSERT INTO presence_processes (process_id, heartbeat_at) VALUES ($1, $2)
            ON CONFLICT (process_id) DO UPDATE SET heartbeat_at = EXCLUDED.heartbeat_at
            """, [.uuid(process), .date(now)])
    }

    /// Adds one connection inside a transaction; true when it is the user's first in the room anywhere.
    private static func add(
        process: UUID, connection: UInt64, user: UserID, displayName: String, room: RoomID, at date: Date,
        on db: PostgresConnection
    ) throws -> Bool {
        let member: [PostgresBind] = [.uuid(room.uuid), .text(user.rawValue)]
        // The member row first, always: it serialises every change to this user's connections in this room.
        _ = try db.query(
            """
            INSERT INTO presence_members (room_id, user_id, display_name, since) VALUES ($1, $2, $3, $4)
            ON CONFLICT (room_id, user_id) DO UPDATE SET room_id = EXCLUDED.room_id
            """, member + [.text(displayName), .date(date)])
        let others =
            try db.query(
                "SELECT count(*) FROM presence_connections WHERE room_id = $1 AND user_id = $2", member
            ).first?.decode(Int64.self, at: 0) ?? 0
        if others == 0 {
            _ = try db.query(
                "UPDATE presence_members SET display_name = $3, since = $4 WHERE room_id = $1 AND user_id = $2",
                member + [.text(displayName), .date(date)])
        }
        let added = try db.query(
            """
            INSERT INTO presence_connections (process_id, connection_id, room_id, user_id) VALUES ($1, $2, $3, $4)
            ON CONFLICT (process_id, connection_id) DO NOTHING
            """, [.uuid(process), .int(Int64(bitPattern: connection))] + member
        ).affectedRows
        return others == 0 && added > 0
    }

    /// Removes one connection inside a transaction; the user's entry when it was their last in the room anywhere.
    private static func remove(
        process: UUID, connection: UInt64, user: UserID, room: RoomID, on db: PostgresConnection
    ) throws -> PresenceEntry? {
        let member: [PostgresBind] = [.uuid(room.uuid), .text(user.rawValue)]
        guard
            let entry = try db.query(
                """
                SELECT user_id, display_name, since FROM presence_members WHERE room_id = $1 AND user_id = $2
                FOR UPDATE
                """, member
            ).first.map(Self.entry)
        else { return nil }
        let removed = try db.query(
            """
            DELETE FROM presence_connections
            WHERE process_id = $1 AND connection_id = $2 AND room_id = $3 AND user_id = $4
            """, [.uuid(process), .int(Int64(bitPattern: connection))] + member
        ).affectedRows
        guard removed > 0 else { return nil }
        let remaining =
            try db.query(
                "SELECT count(*) FROM presence_connections WHERE room_id = $1 AND user_id = $2", member
            ).first?.decode(Int64.self, at: 0) ?? 0
        guard remaining == 0 else { return nil }
        _ = try db.query("DELETE FROM presence_members WHERE room_id = $1 AND user_id = $2", member)
        _ = try db.query("DELETE FROM presence_typing WHERE room_id = $1 AND user_id = $2", member)
        return entry
    }

    /// Removes the connections `condition` selects, one by one in member order (the order every transaction takes
    /// member rows in, so two never wait on each other crosswise); the users for whom one was the last.
    private static func removeAll(where condition: String, _ binds: [PostgresBind], on db: PostgresConnection) throws
        -> [(room: RoomID, entry: PresenceEntry)]
    {
        // `condition` is one of this file's constant fragments, never input.
        let rows = try db.query(
            """
            SELECT process_id, connection_id, room_id, user_id FROM presence_connections WHERE \(condition)
            ORDER BY room_id, user_id
            """, binds
        ).rows.map { row in
            (
                try row.decode(UUID.self, at: 0), UInt64(bitPattern: try row.decode(Int64.self, at: 1)),
                RoomID(uuid: try row.decode(UUID.self, at: 2)), UserID(rawValue: try row.decode(String.self, at: 3))
            )
        }
        var left: [(room: RoomID, entry: PresenceEntry)] = []
        for (process, connection, room, user) in rows {
            if let entry = try Self.remove(process: process, connection: connection, user: user, room: room, on: db) {
                left.append((room, entry))
            }
        }
        return left
    }

    private static func lockOrder(_ a: Local.Connection, _ b: Local.Connection) -> Bool {
        (a.room.uuid.uuidString, a.user.rawValue) < (b.room.uuid.uuidString, b.user.rawValue)
    }

    private static func entry(_ row: PostgresRow) throws -> PresenceEntry {
        PresenceEntry(
            userID: UserID(rawValue: try row.decode(String.self, at: 0)),
            displayName: try row.decode(String.self, at: 1), since: try row.decode(Date.self, at: 2))
    }
}
