internal import Application
internal import Domain
internal import Foundation

/// The read markers' SQL, shared by `PostgresRoomStore` (a read) and `PostgresMessageStore.append` (a send moves
/// the sender's marker): one statement moves the markers forward and marks the mention notifications they pass.
enum PostgresReadMarkers {
    struct Move: Hashable {
        var room: RoomID
        var user: UserID
        var sequence: Int64
        var at: Date
    }

    /// Moves each marker to its `sequence` when that is further, and marks the user's unread mention notifications
    /// of messages up to it read, in one statement; returns the markers that moved (room_id, user_id,
    /// last_read_seq, read_at). The caller clamps `sequence` to the room's last message and gives each (room, user)
    /// once.
    static func advance(_ moves: [Move]) -> PostgresConnection.Statement {
        PostgresConnection.Statement(
            """
            WITH moved AS (
                INSERT INTO read_markers AS rk (room_id, user_id, last_read_seq, read_at)
                SELECT * FROM unnest($1::uuid[], $2::text[], $3::int8[], $4::timestamptz[])
                ON CONFLICT (room_id, user_id) DO UPDATE
                    SET last_read_seq = EXCLUDED.last_read_seq, read_at = EXCLUDED.read_at
                    WHERE rk.last_read_seq < EXCLUDED.last_read_seq
                RETURNING rk.room_id, rk.user_id, rk.last_read_seq, rk.read_at
            ), marked AS (
                UPDATE notifications n SET read_at = moved.read_at
                FROM moved, messages m
                WHERE n.user_id = moved.user_id AND n.room_id = moved.room_id AND n.read_at IS NULL
                    AND n.kind = 'mention' AND m.message_id = n.reference_id
                    AND m.sequence_number <= moved.last_read_seq
                RETURNING 1
            )
            SELECT room_id, user_id, last_read_seq, read_at FROM moved
            """,
            [
                .binaryArray(of: PostgresOID.uuid, moves.map { PostgresBind.uuid($0.room.uuid).bytes }),
                .textArray(moves.map(\.user.rawValue)),
                .binaryArray(of: PostgresOID.int8, moves.map { PostgresBind.int($0.sequence).bytes }),
                .binaryArray(of: PostgresOID.timestamptz, moves.map { PostgresBind.date($0.at).bytes }),
            ])
    }

    /// The read state of `reader` for a room aliased `r`: joins that add `mk.last_read`, `rs.unread` and
    /// `rs.mentions`, with `reader` bound as `$\(parameter)`.
    ///
    /// Counted without reading messages one by one: the sequence numbers after the marker are `last_seq -
    /// last_read`, minus the deleted ones by others and the reader's own (both range scans from the marker on
    /// partial or narrow indexes, and both rare), and mentions come from `message_mentions` after the marker.
    static func stateJoins(reader parameter: Int) -> String {
        let reader = "$\(parameter)"
        return """
            LEFT JOIN read_markers rk ON rk.room_id = r.room_id AND rk.user_id = \(reader)
            CROSS JOIN LATERAL (SELECT COALESCE(rk.last_read_seq, 0) AS last_read) mk
            CROSS JOIN LATERAL (
                SELECT GREATEST(0, r.last_seq - mk.last_read
                    - (SELECT count(*) FROM messages d
                       WHERE d.room_id = r.room_id AND d.deleted_at IS NOT NULL
                           AND d.sequence_number > mk.last_read AND d.sender_id <> \(reader))
                    - (SELECT count(*) FROM messages o
                       WHERE o.room_id = r.room_id AND o.sender_id = \(reader)
                           AND o.sequence_number > mk.last_read AND o.deleted_at IS NULL)) AS unread,
                    (SELECT count(*) FROM message_mentions mm
                     WHERE mm.user_id = \(reader) AND mm.room_id = r.room_id
                         AND mm.sequence_number > mk.last_read AND mm.sender_id <> \(reader)) AS mentions
                -- A fence: computed once per room, even when both the unread filter and the output use it.
                OFFSET 0
            ) rs
            """
    }

    static func decodeMarker(_ row: PostgresRow) throws -> ReadMarker {
        ReadMarker(
            roomID: RoomID(uuid: try row.decode(UUID.self, at: 0)),
            userID: UserID(rawValue: try row.decode(String.self, at: 1)),
            lastReadSequence: try row.decode(Int64.self, at: 2), readAt: try row.decode(Date?.self, at: 3))
    }
}
