package import Application
import Synchronization

/// `RoomEventBus` within one process: publishing calls every subscriber at once, in publish order per caller.
package final class InMemoryEventBus: RoomEventBus {
    private let handlers = Mutex<[@Sendable (LiveEvent) -> Void]>([])

    package init() {}

    package func publish(_ event: LiveEvent) async {
        for handler in self.handlers.withLock({ $0 }) { handler(event) }
    }

    package func subscribe(_ handler: @escaping @Sendable (LiveEvent) -> Void) async {
        self.handlers.withLock { $0.append(handler) }
    }
}
