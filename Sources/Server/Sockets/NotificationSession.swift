import Application
import Domain
import Foundation
import Synchronization
import Transport

/// One `GET /ws/notifications` connection: the unread notifications at once, then new ones as they happen, and the
/// client's `mark_read` and `ping`, handled in order on the connection's event loop (as `RoomSession`, smaller).
actor NotificationSession: WebSocketDelegate {
    nonisolated let principal: Principal
    nonisolated let loop: EventLoop
    nonisolated var unownedExecutor: UnownedSerialExecutor { self.loop.asUnownedSerialExecutor() }

    private let services: Services
    private let hub: RoomHub
    private let ticket: ConnectionAdmission.Ticket
    private let handle = Mutex<(any SessionConnection)?>(nil)
    private var inbox = SessionInbox()
    private var started = false
    private var processing = false
    private var isClosed = false
    private var tokenTimer: EventLoop.TimerID?

    init(principal: Principal, services: Services, hub: RoomHub, loop: EventLoop, ticket: ConnectionAdmission.Ticket) {
        self.principal = principal
        self.services = services
        self.hub = hub
        self.loop = loop
        self.ticket = ticket
    }

    deinit {
        self.services.admission.release(self.ticket)
    }

    nonisolated var id: UInt64 { self.handle.withLock { $0?.id ?? 0 } }
    nonisolated var userID: UserID { self.principal.userID }

    // MARK: - Transport callbacks (on the loop)

    nonisolated func webSocketDidOpen(_ connection: WebSocketConnection) {
        self.assumeIsolated { $0.open(connection) }
    }

    /// The connection is open (the transport's callback, or a test's fake connection).
    func open(_ connection: any SessionConnection) {
        self.handle.withLock { $0 = connection }
        self.hub.register(self)
        self.opened()
    }

    nonisolated func webSocket(_ connection: WebSocketConnection, didReceive messages: [WebSocketMessage]) {
        self.assumeIsolated { $0.received(messages, on: connection) }
    }

    nonisolated func webSocketDidClose(_ connection: WebSocketConnection, code: WebSocketCloseCode?) {
        self.assumeIsolated { $0.closed() }
    }

    // MARK: - Fan-out (any thread)

    nonisolated func send(_ frame: OutboundFrame) {
        self.handle.withLock { $0 }?.send(frame)
    }

    nonisolated func close(code: WebSocketCloseCode, reason: String) {
        self.handle.withLock { $0 }?.close(code: code, reason: reason)
    }

    // MARK: - The session

    private var connection: (any SessionConnection)? { self.handle.withLock { $0 } }

    private func opened() {
        // One timer for the token's expiry: the connection closes with 1008 when it would be refused.
        self.tokenTimer = self.loop.schedule(
            at: SessionInbox.deadline(of: self.principal, clock: self.services.deps.clock)
        ) {
            [weak self] in
            self?.assumeIsolated { $0.connection?.close(code: .policyViolation, reason: "token expired") }
        }
        Task(executorPreference: self.loop) { await self.start() }
    }

    private func start() async {
        do {
            // Registered before reading, so a notification created meanwhile is not lost (at worst sent twice).
            let unread = try await self.services.listNotifications(unreadOnly: true, by: self.principal)
            self.connection?.send(self.services.events.unreadSync(unread.notifications))
            // Then the announcements of the last 24 hours, oldest first (one posted meanwhile may come twice).
            for announcement in try await self.services.listAnnouncements(by: self.principal).reversed() {
                self.connection?.send(self.services.events.announcement(announcement))
            }
        } catch {
            self.connection?.close(code: Refusal(error).openingCloseCode, reason: "unavailable")
            return
        }
        self.started = true
        self.processIfIdle()
    }

    /// The connection is gone (the transport's callback, or a test).
    func closed() {
        self.hub.unregister(self)
        self.isClosed = true
        self.inbox.removeAll()
        if let timer = self.tokenTimer { self.loop.cancel(timer) }
        self.tokenTimer = nil
        self.services.admission.release(self.ticket)
    }

    /// The messages of one read (the transport's callback, or a test).
    func received(_ messages: [WebSocketMessage], on connection: any SessionConnection) {
        guard !self.isClosed else { return }
        guard self.inbox.take(messages, from: connection) else { return }
        self.processIfIdle()
    }

    private func processIfIdle() {
        guard self.started, !self.isClosed, !self.processing, !self.inbox.isEmpty else { return }
        self.processing = true
        Task(executorPreference: self.loop) { await self.process() }
    }

    private func process() async {
        defer { self.processing = false }
        while !self.isClosed, let next = self.inbox.first {
            let wasFull = self.inbox.isFull
            self.inbox.removeFirst()
            if wasFull, !self.inbox.isFull { self.connection?.resumeReading() }
            await self.handle(next)
        }
    }

    private func handle(_ decoded: ClientEvent.Decoded) async {
        let events = self.services.events
        do {
            switch decoded {
            case .refused(let error, _):
                throw error
            case .event(.markNotificationRead(let id), _):
                try await self.services.markRead(id, by: self.principal)
                self.connection?.send(events.markRead(id))
            case .event(.ping, _):
                try self.services.deps.limits.takeAction(
                    for: self.principal.userID, at: self.services.deps.clock.now())
                self.connection?.send(events.pong)
            case .event(.message, _), .event(.editMessage, _), .event(.deleteMessage, _), .event(.reaction, _),
                .event(.typing, _), .event(.read, _):
                throw Refusal.malformed("The notifications socket takes mark_read and ping only.")
            }
        } catch {
            let refusal = Refusal(error)
            if let code = refusal.closeCode {
                self.connection?.close(code: code, reason: refusal.code)
            } else {
                self.connection?.send(events.error(refusal, clientID: nil))
            }
        }
    }
}
