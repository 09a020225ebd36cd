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
    private let inbox: AsyncStream<[UInt8]>
    private let inboxInput: AsyncStream<[UInt8]>.Continuation

    var id: UInt64 { self.connection.withLock { $0?.id ?? 0 } }
    var userID: UserID { self.principal.userID }

    init(principal: Principal, services: Services, hub: RoomHub) {
        self.principal = principal
        self.services = services
        self.hub = hub
        (self.inbox, self.inboxInput) = AsyncStream.makeStream(of: [UInt8].self, bufferingPolicy: .bufferingOldest(256))
    }

    func webSocketDidOpen(_ connection: WebSocketConnection) {
        self.connection.withLock { $0 = connection }
        self.hub.register(self)
        Task { await self.run(connection) }
    }

    func webSocket(_ connection: WebSocketConnection, didReceive messages: [WebSocketMessage]) {
        for message in messages {
            guard case .text(let bytes) = message else {
                connection.close(code: .unsupportedData, reason: "binary messages are not accepted")
                return
            }
            self.inboxInput.yield(bytes)
        }
    }

    func webSocketDidClose(_ connection: WebSocketConnection, code: WebSocketCloseCode?) {
        self.inboxInput.finish()
        self.hub.unregister(self)
    }

    func send(_ frame: OutboundFrame) {
        self.connection.withLock { $0 }?.send(frame)
    }

    func close(code: WebSocketCloseCode, reason: String) {
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
        } catch {
            connection.close(code: .internalError, reason: "unavailable")
            return
        }
        for await bytes in self.inbox {
            await self.handle(bytes)
        }
    }

    private func handle(_ bytes: [UInt8]) async {
        do {
            let body = try RequestBody(bytes: bytes)
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
