import Domain
import Foundation

/// Announces `user_left` for the users of a process that stopped (its presence entries expired); run about once a
/// second on every process. Which process announces is the registry's business: each departure is returned once.
package struct ExpirePresence: Sendable {
    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    package func callAsFunction() async {
        let now = self.deps.clock.now()
        for (room, entry) in await self.deps.presence.expireStaleConnections(at: now) {
            await self.deps.bus.publish(
                .userLeft(room: room, user: entry.userID, displayName: entry.displayName, at: now))
        }
    }
}
