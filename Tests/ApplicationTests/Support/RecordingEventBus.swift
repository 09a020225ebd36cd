import Application
import Domain
import Synchronization

/// A `RoomEventBus` that keeps every published event, in publish order, and still calls subscribers.
final class RecordingEventBus: RoomEventBus {
    private let state = Mutex<(events: [LiveEvent], handlers: [@Sendable (LiveEvent) -> Void])>(([], []))

    func publish(_ event: LiveEvent) async {
        let handlers = self.state.withLock { state in
            state.events.append(event)
            return state.handlers
        }
        for handler in handlers { handler(event) }
    }

    func subscribe(_ handler: @escaping @Sendable (LiveEvent) -> Void) async {
        self.state.withLock { $0.handlers.append(handler) }
    }

    /// Everything published so far.
    var events: [LiveEvent] { self.state.withLock { $0.events } }

    /// Forgets what was published, so a test sees only what its own step publishes.
    func clear() {
        self.state.withLock { $0.events.removeAll() }
    }

    /// The messages of `messageCreated` events, in publish order.
    var createdMessages: [Message] {
        self.events.compactMap { event in
            guard case .messageCreated(let message) = event else { return nil }
            return message
        }
    }

    /// The notifications pushed to users, in publish order.
    var notifications: [UserNotification] {
        self.events.compactMap { event in
            guard case .notification(let notification) = event else { return nil }
            return notification
        }
    }
}
