import Application
import Domain
import Foundation
import Synchronization
import Transport

/// One `GET /ws/notifications` connection: the unread notifications at once, then new ones as they happen.
final class NotificationSession: WebSocketDelegate {
    let principal: Principal
    private let services: Services
    private let hub: RoomHub
    private let connection = Mutex<WebSocketConnection?>(nil)
    private let inbox: AsyncStream<String>
    private let inboxInput: AsyncStream<String>.Continuation

    var id: UInt64 { self.connection.withLock { $0?.id ?? 0 } }
    var userID: UserID { self.principal.userID }

    init(principal: Principal, services: Services, hub: RoomHub) {
        self.principal = principal
        self.services = services
        self.hub = hub
        (self.inbox, self.inboxInput) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingOldest(256))
    }

    func webSocketDidOpen(_ connection: WebSocketConnection) {
        self.connection.withLock { $0 = connection }
        self.hub.register(self)
        Task { await self.run(connection) }
    }

    func webSocket(_ connection: WebSocketConnection, didReceiveText text: String) {
        self.inboxInput.yield(text)
    }

    func webSocket(_ connection: WebSocketConnection, didReceiveBinary bytes: [UInt8]) {
        connection.close(code: 1003, reason: "binary messages are not accepted")
    }

    func webSocketDidClose(_ connection: WebSocketConnection, code: UInt16?) {
        self.inboxInput.finish()
        self.hub.unregister(self)
    }

    func send(_ frame: OutboundFrame) {
        self.connection.withLock { $0 }?.send(frame)
    }

    func close(code: UInt16, reason: String) {
        self.connection.withLock { $0 }?.close(code: code, reason: reason)
    }

    private func run(_ connection: WebSocketConnection) async {
        let presenter = self.services.presenter
        do {
            // Registered before reading, so a notification created meanwhile is not lost (at worst sent twice).
            let unread = try await self.services.listNotifications(unreadOnly: true, by: self.principal)
            self.send(
                LiveEventFrames.frame([
                    "type": .string("unread_sync"),
                    "notifications": .array(unread.notifications.map(presenter.notification)),
                ]))
            // Then the announcements of the last 24 hours, oldest first (one posted meanwhile may come twice).
            for announcement in try await self.services.listAnnouncements(by: self.principal).reversed() {
                self.send(
                    LiveEventFrames.frame([
                        "type": .string("announcement"), "announcement": presenter.announcement(announcement),
                    ]))
            }
        } catch {
            connection.close(code: 1011, reason: "unavailable")
            return
        }
        for await text in self.inbox {
            await self.handle(text)
        }
    }

    private func handle(_ text: String) async {
        do {
            let body = try RequestBody(bytes: Array(text.utf8))
            switch try body.string("type") {
            case "mark_read":
                let id: NotificationID = try Endpoint.identifier(try body.string("notification_id"), "notification_id")
                try await self.services.markRead(id, by: self.principal)
                self.send(
                    LiveEventFrames.frame(["type": .string("mark_read"), "notification_id": .string(id.description)]))
            case "ping":
                self.send(LiveEventFrames.frame(["type": .string("pong")]))
            case let other:
                throw DomainError.invalidMessage("Unknown event type \(other.map { "\"\($0)\"" } ?? "(none)").")
            }
        } catch {
            var refusal = DomainError.from(error)
            if case .invalidRequest(let reason) = refusal { refusal = .invalidMessage(reason) }
            self.send(
                LiveEventFrames.frame([
                    "type": .string("error"), "code": .string(refusal.code), "message": .string(refusal.message),
                ]))
        }
    }
}
