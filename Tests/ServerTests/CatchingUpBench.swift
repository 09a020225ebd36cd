import Domain
import Foundation
import InMemory
import Postgres
import TestSupport
import Testing

/// Figures for docs/PERFORMANCE.md ("Catching up"), not a pass/fail test: the room list with unread counts for a
/// user in 200 rooms of 10 000 messages each, and the mentions query over 1 and 2 million messages, through HTTP
/// on a real incidentd over PostgreSQL. Run in release, under the shared lock:
///
///     flock /tmp/incident-heavy.lock env PG_BENCH=1 swift test -c release --scratch-path .build-release \
///         --filter CatchingUpBench
///
/// (with TEST_DATABASE_URL from `scripts/services/postgres.sh up`, or PG_BENCH_URL for another cluster). The data
/// goes into a schema of its own, dropped at the end.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["PG_BENCH"] == "1"), .serialized)
struct CatchingUpBench {
    /// PG_BENCH_ROOMS and PG_BENCH_MESSAGES shrink the data for a quick look; the figures use the defaults.
    static let rooms = ProcessInfo.processInfo.environment["PG_BENCH_ROOMS"].flatMap { Int($0) } ?? 200
    static let messagesPerRoom =
        ProcessInfo.processInfo.environment["PG_BENCH_MESSAGES"].flatMap { Int($0) } ?? 10_000
    static let reader = "op@example.com"

    static func report(_ line: String) {
        print("CatchingUpBench: \(line)")
    }

    @Test func roomListAndMentionsOverMillionsOfMessages() async throws {
        let environment = ProcessInfo.processInfo.environment
        let base = try #require(environment["PG_BENCH_URL"] ?? environment["TEST_DATABASE_URL"])
        let schema = "bench_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
        let admin = PostgresPool(configuration: PostgresConfiguration(url: base, poolSize: 1, maxOverflow: 0))
        defer { admin.close() }
        try await admin.withConnection { _ = try $0.query("CREATE SCHEMA \(schema)") }
        let separator = base.contains("?") ? "&" : "?"
        let url = base + separator + "options=-c%20search_path%3D\(schema)%2Cpublic"
        let pool = PostgresPool(configuration: PostgresConfiguration(url: url, poolSize: 8, maxOverflow: 8))
        defer { pool.close() }
        try await PostgresMigrator(pool: pool).migrate()
        let stores = PostgresStores(pool: pool)
        let kit = StoreKit(
            users: stores.users, rooms: stores.rooms, messages: stores.messages, files: stores.files,
            notifications: stores.notifications, revocations: stores.revocations, bus: InMemoryEventBus(),
            presence: InMemoryPresenceRegistry())
        try await TestServer.with(stores: kit) { server in
            let token = try await server.login("op")

            let started = ContinuousClock.now
            try await Self.fill(pool, rooms: 0..<(Self.rooms / 2))
            Self.report(
                "filled \(Self.rooms / 2) rooms (\(Self.rooms / 2 * Self.messagesPerRoom) messages) in \(started.duration(to: .now))"
            )
            try await Self.measureMentions(server, token: token, messages: Self.rooms / 2 * Self.messagesPerRoom)

            try await Self.fill(pool, rooms: (Self.rooms / 2)..<Self.rooms)
            Self.report(
                "filled \(Self.rooms) rooms (\(Self.rooms * Self.messagesPerRoom) messages) in \(started.duration(to: .now))"
            )
            try await Self.measureMentions(server, token: token, messages: Self.rooms * Self.messagesPerRoom)
            try await Self.measure("GET /api/rooms (20 of \(Self.rooms), unread counts)", server, token, "/api/rooms")
            try await Self.measure("GET /api/rooms?limit=200", server, token, "/api/rooms?limit=200")
            try await Self.measure("GET /api/rooms?unread=true", server, token, "/api/rooms?unread=true")
            try await Self.measure(
                "GET /api/rooms?sort=activity&unread=true&limit=200", server, token,
                "/api/rooms?sort=activity&unread=true&limit=200")
            let list = try await server.call("GET", "/api/rooms?limit=200", token: token)
            let rooms = list.json["rooms"]?.arrayValue ?? []
            #expect(rooms.count == Self.rooms)
            Self.report(
                "room list: unread counts from \(rooms.compactMap { $0["unread_count"]?.intValue }.min() ?? -1) to "
                    + "\(rooms.compactMap { $0["unread_count"]?.intValue }.max() ?? -1), mentions up to "
                    + "\(rooms.compactMap { $0["mention_count"]?.intValue }.max() ?? -1)")
            let room = try #require(rooms.first?["room_id"]?.stringValue)
            try await Self.measure("GET /api/rooms/{id}", server, token, "/api/rooms/\(room)")
            try await Self.measure(
                "GET /api/rooms/{id}/messages?mentions=me", server, token, "/api/rooms/\(room)/messages?mentions=me")
        }
        if environment["PG_BENCH_KEEP"] == "1" {
            Self.report("kept the data in schema \(schema)")
        } else {
            try await admin.withConnection { _ = try $0.query("DROP SCHEMA \(schema) CASCADE") }
        }
    }

    static func measureMentions(_ server: TestServer, token: String, messages: Int) async throws {
        try await Self.measure("GET /api/mentions (50 newest, \(messages) messages)", server, token, "/api/mentions")
        // Ten pages deep: the cursor walks the index, it does not skip rows.
        var path = "/api/mentions?limit=50"
        for _ in 0..<10 {
            let page = try await server.call("GET", path, token: token)
            guard let next = page.json["next_before"]?.stringValue else { break }
            path = "/api/mentions?limit=50&before=\(next)"
        }
        try await Self.measure("GET /api/mentions (page 11, \(messages) messages)", server, token, path)
    }

    static func measure(_ label: String, _ server: TestServer, _ token: String, _ path: String, runs: Int = 60)
        async throws
    {
        var times: [Double] = []
        for run in 0..<(runs + 5) {
            let started = ContinuousClock.now
            let response = try await server.call("GET", path, token: token)
            let elapsed = started.duration(to: .now)
            #expect(response.status == 200, "\(path): \(response.status)")
            // The first runs warm the plan and buffer caches.
            if run >= 5 {
                times.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1e3)
            }
        }
        times.sort()
        Self.report(
            String(
                format: "%@: median %.2f ms, p90 %.2f ms, p99 %.2f ms", label, times[times.count / 2],
                times[times.count * 9 / 10], times[times.count * 99 / 100]))
    }

    /// Rooms of 10 000 messages in bulk, shaped as the service leaves them: ten senders, 1 in 100 messages by others
    /// mentioning the reader, 1 in 200 deleted; the reader a member of every room, with a marker that leaves every
    /// fourth room wholly unread (the reader never wrote there) and the others 0 to 2 000 messages behind, the
    /// reader having written 1 in 50 of the messages up to the marker (sending moves the marker past them).
    static func fill(_ pool: PostgresPool, rooms: Range<Int>) async throws {
        try await pool.withConnection { connection in
            for index in rooms {
                let room = UUID()
                let count = Self.messagesPerRoom
                let marker = index % 4 == 0 ? 0 : count - (index * 37) % 2_000
                try connection.execute(script: "BEGIN")
                try connection.query(
                    """
                    INSERT INTO incident_rooms (room_id, title, incident_type, severity, status, created_by,
                        created_at, updated_at, last_activity_at, last_seq, rev)
                    VALUES ($1, $2, 'equipment_failure', 'high', 'active', $3, now() - interval '30 days',
                        now(), now() - $4 * interval '1 minute', $5, $5)
                    """, [.uuid(room), .text("Line \(index) press down"), .text(Self.reader), .int(index), .int(count)])
                try connection.query(
                    """
                    INSERT INTO room_members (room_id, user_id, display_name, role, added_at)
                    SELECT $1, CASE WHEN w = 0 THEN $2 ELSE 'worker' || w || '@example.com' END, 'Worker ' || w,
                        CASE WHEN w = 0 THEN 'OWNER' ELSE 'EDITOR' END, now() - interval '30 days'
                    FROM generate_series(0, 9) AS w
                    """, [.uuid(room), .text(Self.reader)])
                try connection.query(
                    """
                    INSERT INTO messages (message_id, room_id, sequence_number, rev, sender_id, sender_display_name,
                        message_type, content, mentions, created_at, deleted_at)
                    SELECT gen_random_uuid(), $1, g, g,
                        CASE WHEN g % 50 = 0 AND g <= $5 THEN $2 ELSE 'worker' || (g % 9 + 1) || '@example.com' END,
                        'Worker',
                        'text',
                        CASE WHEN g % 200 = 7 THEN NULL
                            ELSE 'pressure reading ' || g || ' on line ' || $3 || CASE WHEN g % 100 = 3
                                THEN ' @林小明 please check' ELSE '' END END,
                        CASE WHEN g % 100 = 3 THEN ARRAY[$2] ELSE '{}' END,
                        now() - interval '30 days' + g * interval '1 second' + $3 * interval '1 millisecond',
                        CASE WHEN g % 200 = 7 THEN now() END
                    FROM generate_series(1, $4::int8) AS g
                    """, [.uuid(room), .text(Self.reader), .int(index), .int(count), .int(marker)])
                if marker > 0 {
                    try connection.query(
                        """
                        INSERT INTO read_markers (room_id, user_id, last_read_seq, read_at) VALUES ($1, $2, $3, now())
                        """, [.uuid(room), .text(Self.reader), .int(marker)])
                }
                try connection.execute(script: "COMMIT")
            }
            try connection.execute(script: "ANALYZE")
        }
    }
}
