package import Application
internal import Domain
internal import Foundation
internal import Synchronization

/// `RoomEventBus` across server processes, over PostgreSQL LISTEN/NOTIFY.
///
/// - Publishing delivers to this process's handlers at once, then queues the event for the other processes. A sender
///   thread with its own connection sends everything queued so far as one NOTIFY per 7.8 KB of compact events
///   (`PostgresEventCodec`: message events carry ids, not bodies), with `synchronous_commit` off: notifications are
///   not data, and a lost one is made whole by catch-up, because every stored change raised the room's `rev`.
/// - A listener thread with its own connection LISTENs, skips its own process's payloads, loads the messages the
///   events name (by primary key, on the listener connection) and calls the handlers in the order the payloads were
///   committed. When the connection breaks it reconnects, backing off up to 2 s; events sent meanwhile are missed
///   and made whole by catch-up, as the port allows.
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

    private struct State {
        var handlers: [@Sendable (LiveEvent) -> Void] = []
        var started = false
        var closed = false
    }

    /// - Parameters:
    ///   - url: the `DATABASE_URL`; the bus opens two connections of its own, outside the pool.
    ///   - channel: the NOTIFY channel; processes that share rooms must use the same one.
    package init(url: String, channel: String = "incident_room_events") {
        self.url = url
        self.channel = channel
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
        while let events = self.outbox.take() {
            let payloads = Self.payloads(origin: self.origin, events: events)
            do {
                if connection == nil {
                    let opened = try PostgresConnection(url: self.url)
                    try opened.execute(script: "SET synchronous_commit TO off")
                    connection = opened
                }
                try connection?.query(
                    "SELECT pg_notify($1, payload) FROM unnest($2::text[]) WITH ORDINALITY AS p(payload, n) ORDER BY n",
                    [.text(self.channel), .textArray(payloads)])
                backoff = 0.05
            } catch {
                // Other processes miss these events; their clients catch up by rev. Retry the connection later.
                connection?.close()
                connection = nil
                Thread.sleep(forTimeInterval: backoff)
                backoff = min(backoff * 2, 2)
            }
        }
        connection?.close()
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
                try connection.execute(script: "SET application_name TO 'incidentd listen'")
                // The channel is an identifier: quote it (it comes from configuration, not from users).
                try connection.execute(
                    trustedScript: "LISTEN \"\(self.channel.replacingOccurrences(of: "\"", with: "\"\""))\"")
                backoff = 0.05
                while !self.isClosed {
                    for notification in try connection.waitForNotifications(milliseconds: 1_000) {
                        try self.deliver(notification.payload, on: connection)
                    }
                }
            } catch {
                Thread.sleep(forTimeInterval: backoff)
                backoff = min(backoff * 2, 2)
            }
        }
    }

    private func deliver(_ payload: String, on connection: PostgresConnection) throws {
        // This process's own payloads come back too (one LISTEN per process): skipped without parsing them.
        guard !payload.hasPrefix(self.ownPrefix), let envelope = try? JSONParser(maximumDepth: 16).parse(payload),
            envelope["o"]?.stringValue != self.origin, case .array(let events)? = envelope["e"]
        else { return }
        let handlers = self.state.withLock { $0.handlers }
        for event in events {
            guard let live = try PostgresEventCodec.decode(event, on: connection) else { continue }
            for handler in handlers { handler(live) }
        }
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
