package import Application
internal import Domain
internal import Foundation
internal import Synchronization

/// `RoomEventBus` across server processes, over PostgreSQL LISTEN/NOTIFY.
///
/// - Publishing delivers to this process's handlers at once, then queues the event for the other processes. A sender
///   thread with its own connection sends everything queued so far as one NOTIFY per 7.8 KB of compact events
///   (`PostgresEventCodec`: message events carry ids, not bodies), with `synchronous_commit` off: notifications are
///   not data, and a lost one is made whole by catch-up, because every stored change raised the room's `rev`. A
///   batch whose statement fails is sent again on a new connection for about 15 s (it may carry a revocation that
///   must close sockets elsewhere), then given up.
/// - Every payload is also written to `room_event_log` (migration 10) in the statement that NOTIFYs it, and the
///   notification carries the row's id before the payload (`"<id> <payload>"`). A payload over NOTIFY's 8 000 bytes
///   (one event too large to share a payload, which this codec never makes today) is notified as its id alone and
///   read back from the log by the listeners: never dropped.
/// - A listener thread with its own connection LISTENs, skips its own process's payloads, loads the messages the
///   events name (by primary key, on the listener connection) and calls the handlers in the order the payloads were
///   committed. When the connection breaks (a restart, `pg_terminate_backend`) it reconnects, backing off up to
///   2 s, and then replays from the log what it missed: the rows after the 10 000 ids before the highest it had
///   delivered that it has not delivered (ids are taken before commit, so a row committed late can sit below one
///   seen earlier; the window covers that). Rows older than 10 minutes are deleted by the sender.
///
/// Both threads start at the first `subscribe` or `publish`; `close()` stops them.
package final class PostgresEventBus: RoomEventBus, Sendable {
    private let url: String
    private let channel: String
    /// Identifies this process's payloads, so its own events are not delivered twice.
    private let origin: String
    /// How this process's payloads begin (`payloads(origin:events:)`).
    private let ownPrefix: String
    private let state = Mutex(State())
    private let outbox = PostgresEventOutbox()
    /// The ids of the log rows delivered lately, so a replay after a reconnect delivers each row once.
    private let delivered = Mutex(DeliveredRows())
    /// Told about payloads that are dropped (any database session can NOTIFY the channel), at most a few a minute.
    private let dropped: Mutex<DroppedPayloads>

    private struct State {
        var handlers: [@Sendable (LiveEvent) -> Void] = []
        var started = false
        var closed = false
    }

    /// - Parameters:
    ///   - url: the `DATABASE_URL`; the bus opens two connections of its own, outside the pool.
    ///   - channel: the NOTIFY channel; processes that share rooms must use the same one.
    ///   - onDropped: told the start of a payload (or of one event in it) that was not understood and was dropped,
    ///     and how many drops went untold before it (it is told at most 10 times a minute).
    package init(
        url: String, channel: String = "incident_room_events",
        onDropped: @escaping @Sendable (_ payload: String, _ untold: Int) -> Void = { _, _ in }
    ) {
        self.url = url
        self.channel = channel
        self.dropped = Mutex(DroppedPayloads(report: onDropped))
        self.origin = UUID().uuidString.lowercased()
        self.ownPrefix = Self.envelopeStart(origin: self.origin)
    }

    package func publish(_ event: LiveEvent) async {
        self.startIfNeeded()
        for handler in self.state.withLock({ $0.handlers }) { handler(event) }
        self.outbox.add(JSONWriter.string(PostgresEventCodec.encode(event)))
    }

    package func subscribe(_ handler: @escaping @Sendable (LiveEvent) -> Void) async {
        self.state.withLock { $0.handlers.append(handler) }
        self.startIfNeeded()
    }

    /// Stops both threads (each within about a second) and closes their connections.
    package func close() {
        self.state.withLock { $0.closed = true }
        self.outbox.close()
    }

    private var isClosed: Bool { self.state.withLock { $0.closed } }

    private func startIfNeeded() {
        let start = self.state.withLock { state -> Bool in
            guard !state.started, !state.closed else { return false }
            state.started = true
            return true
        }
        guard start else { return }
        let sender = Thread { [self] in self.sendLoop() }
        sender.name = "postgres-notify"
        sender.start()
        let listener = Thread { [self] in self.listenLoop() }
        listener.name = "postgres-listen"
        listener.start()
    }

    // MARK: - Sending

    private func sendLoop() {
        var connection: PostgresConnection?
        var backoff = 0.05
        // Without the log table (a database not migrated to step 10) payloads travel inline only, as before.
        var logged = true
        var lastPrune = Date.distantPast
        while let events = self.outbox.take() {
            let payloads = Self.payloads(origin: self.origin, events: events)
            // A batch that failed is sent again on a new connection (hardening finding 12): it may carry a
            // revocation that must close sockets on the other processes. After about 15 s of failures it is given up
            // (the database is down; clients catch up by rev when it is back) so that the queue cannot grow for ever.
            var attempt = 0
            while !self.isClosed {
                do {
                    let open = try connection ?? self.openSenderConnection()
                    connection = open
                    try self.send(payloads, on: open, logged: &logged, lastPrune: &lastPrune)
                    backoff = 0.05
                    break
                } catch {
                    connection?.close()
                    connection = nil
                    attempt += 1
                    if attempt > Self.sendAttempts { break }
                    Thread.sleep(forTimeInterval: backoff)
                    backoff = min(backoff * 2, 2)
                }
            }
        }
        connection?.close()
    }

    private func openSenderConnection() throws -> PostgresConnection {
        let connection = try PostgresConnection(url: self.url)
        try connection.execute(script: "SET synchronous_commit TO off")
        // Named, so an operator (and the tests) can tell this connection in pg_stat_activity.
        _ = try connection.query(
            "SELECT set_config('application_name', $1, false)", [.text("incidentd notify \(self.channel)")])
        return connection
    }

    /// Tries before a batch is given up: 0.05 + 0.1 + ... + 2 s between them, about 15 s in all.
    static let sendAttempts = 12

    /// One batch: logged and notified in one statement (or notified inline on a database without the log).
    private func send(
        _ payloads: [String], on connection: PostgresConnection, logged: inout Bool, lastPrune: inout Date
    ) throws {
        if logged {
            do {
                try connection.query(
                    """
                    WITH logged AS (
                        INSERT INTO room_event_log (origin, payload)
                        SELECT $2, payload FROM unnest($3::text[]) WITH ORDINALITY AS p(payload, n) ORDER BY n
                        RETURNING id, payload
                    )
                    SELECT pg_notify(
                        $1, CASE WHEN octet_length(payload) < $4 THEN id || ' ' || payload ELSE id::text END)
                    FROM logged ORDER BY id
                    """,
                    [
                        .text(self.channel), .text(self.origin), .textArray(payloads),
                        .int(Int64(Self.inlineLimit)),
                    ])
            } catch let error where error.sqlState == "42P01" {
                logged = false
            }
        }
        if !logged {
            try connection.query(
                "SELECT pg_notify($1, payload) FROM unnest($2::text[]) WITH ORDINALITY AS p(payload, n) ORDER BY n",
                [.text(self.channel), .textArray(payloads)])
        }
        if logged, Date().timeIntervalSince(lastPrune) > 30 {
            lastPrune = Date()
            try connection.query("DELETE FROM room_event_log WHERE created_at < now() - interval '10 minutes'")
        }
    }

    /// Packs encoded events into as few NOTIFY payloads as fit: `{"o": origin, "e": [event, ...]}`.
    package static func payloads(origin: String, events: [String]) -> [String] {
        let envelope = Self.envelopeStart(origin: origin)
        var payloads: [String] = []
        var current = envelope
        var count = 0
        for event in events {
            if count > 0 && current.utf8.count + event.utf8.count + 3 > PostgresEventCodec.maximumPayloadBytes {
                payloads.append(current + "]}")
                current = envelope
                count = 0
            }
            current += (count > 0 ? "," : "") + event
            count += 1
        }
        if count > 0 { payloads.append(current + "]}") }
        return payloads
    }

    /// A payload and its id prefix fit NOTIFY's 8 000 bytes below this; a larger one travels as its log id alone.
    static let inlineLimit = 7_970

    private static func envelopeStart(origin: String) -> String {
        "{\"o\":\"\(origin)\",\"e\":["
    }

    // MARK: - Listening

    private func listenLoop() {
        var backoff = 0.05
        while !self.isClosed {
            do {
                let connection = try PostgresConnection(url: self.url)
                defer { connection.close() }
                // Named, so an operator (and the cluster gate) can tell this connection in pg_stat_activity.
                _ = try connection.query(
                    "SELECT set_config('application_name', $1, false)", [.text("incidentd listen \(self.channel)")])
                // The channel is an identifier: quote it (it comes from configuration, not from users).
                try connection.execute(
                    trustedScript: "LISTEN \"\(self.channel.replacingOccurrences(of: "\"", with: "\"\""))\"")
                backoff = 0.05
                // After a break: what was published while this process was not listening (nothing at the first
                // connect: a process that just started has nobody to catch up for).
                try self.replay(on: connection)
                while !self.isClosed {
                    for notification in try connection.waitForNotifications(milliseconds: 1_000) {
                        try self.receive(notification.payload, on: connection)
                    }
                }
            } catch {
                Thread.sleep(forTimeInterval: backoff)
                backoff = min(backoff * 2, 2)
            }
        }
    }

    /// One notification: `"<id> <payload>"`, `"<id>"` (read the payload from the log), or a bare payload (a sender
    /// without the log).
    private func receive(_ notification: String, on connection: PostgresConnection) throws {
        let utf8 = notification.utf8
        let digits = utf8.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        guard !digits.isEmpty, digits.count <= 18, let id = Int64(String(decoding: digits, as: UTF8.self)) else {
            try self.deliver(notification, on: connection)
            return
        }
        guard self.delivered.withLock({ $0.insert(id) }) else { return }
        if digits.count == utf8.count {
            guard
                let payload = try connection.query(
                    "SELECT payload FROM room_event_log WHERE id = $1", [.int(id)]
                ).first?.decode(String.self, at: 0)
            else { return self.drop(notification) }
            try self.deliver(payload, on: connection)
        } else {
            try self.deliver(String(notification.dropFirst(digits.count + 1)), on: connection)
        }
    }

    private func replay(on connection: PostgresConnection) throws {
        guard let highest = self.delivered.withLock({ $0.highest }) else { return }
        let rows = try connection.query(
            "SELECT id, payload FROM room_event_log WHERE id > $1 AND origin <> $2 ORDER BY id",
            [.int(highest - DeliveredRows.window), .text(self.origin)])
        for row in rows.rows {
            let id = try row.decode(Int64.self, at: 0)
            guard self.delivered.withLock({ $0.insert(id) }) else { continue }
            try self.deliver(try row.decode(String.self, at: 1), on: connection)
        }
    }

    private func deliver(_ payload: String, on connection: PostgresConnection) throws {
        // This process's own payloads come back too (one LISTEN per process): skipped without parsing them.
        guard !payload.hasPrefix(self.ownPrefix) else { return }
        guard let envelope = try? JSONParser(maximumDepth: 16).parse(payload), case .array(let events)? = envelope["e"]
        else { return self.drop(payload) }
        guard envelope["o"]?.stringValue != self.origin else { return }
        let handlers = self.state.withLock { $0.handlers }
        for event in events {
            guard let live = try PostgresEventCodec.decode(event, on: connection) else {
                self.drop(JSONWriter.string(event))
                continue
            }
            for handler in handlers { handler(live) }
        }
    }

    private func drop(_ payload: String) {
        self.dropped.withLock { $0.note(payload, at: Date()) }
    }
}

/// Reports dropped payloads: the first 200 bytes of each, at most `perMinute` a minute, with the count of those
/// left untold since the last report, so a session that floods the channel cannot flood the log.
struct DroppedPayloads {
    static let perMinute = 10
    let report: @Sendable (_ payload: String, _ untold: Int) -> Void
    private var told: [Date] = []
    private var untold = 0

    init(report: @escaping @Sendable (_ payload: String, _ untold: Int) -> Void) {
        self.report = report
    }

    mutating func note(_ payload: String, at now: Date) {
        self.told.removeAll { now.timeIntervalSince($0) >= 60 }
        guard self.told.count < Self.perMinute else { return self.untold += 1 }
        self.told.append(now)
        self.report(String(decoding: payload.utf8.prefix(200), as: UTF8.self), self.untold)
        self.untold = 0
    }
}

/// The log ids a listener delivered lately (the last `2 * window`), to deliver each row once across a replay.
struct DeliveredRows {
    /// How far below the highest delivered id a replay looks for rows committed late.
    static let window: Int64 = 10_000
    private var ids = Set<Int64>()
    private var order: [Int64] = []
    private(set) var highest: Int64?

    /// False when `id` was delivered already.
    mutating func insert(_ id: Int64) -> Bool {
        guard self.ids.insert(id).inserted else { return false }
        self.order.append(id)
        self.highest = max(self.highest ?? id, id)
        if self.order.count > 2 * Int(Self.window) {
            let drop = self.order.count - Int(Self.window)
            for old in self.order[..<drop] { self.ids.remove(old) }
            self.order.removeFirst(drop)
        }
        return true
    }
}

/// The queue between `publish` and the sender thread.
final class PostgresEventOutbox: @unchecked Sendable {
    // Guarded by `condition`.
    private let condition = NSCondition()
    private var events: [String] = []
    private var closed = false

    func add(_ event: String) {
        self.condition.lock()
        if !self.closed {
            self.events.append(event)
            self.condition.signal()
        }
        self.condition.unlock()
    }

    /// Everything queued, waiting for at least one event; nil once closed.
    func take() -> [String]? {
        self.condition.lock()
        defer { self.condition.unlock() }
        while self.events.isEmpty && !self.closed { self.condition.wait() }
        guard !self.closed else { return nil }
        defer { self.events.removeAll(keepingCapacity: true) }
        return self.events
    }

    func close() {
        self.condition.lock()
        self.closed = true
        self.condition.broadcast()
        self.condition.unlock()
    }
}
