import Domain
import Foundation

/// Clears typing states older than 3 s and announces `is_typing: false`; run about once a second.
package struct ExpireTyping: Sendable {
    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    package func callAsFunction() async {
        let cutoff = self.deps.clock.now().addingTimeInterval(-SetTyping.expiry)
        for (room, entry) in await self.deps.presence.expireTyping(refreshedBefore: cutoff) {
            await self.deps.bus.publish(
                .typing(room: room, user: entry.userID, displayName: entry.displayName, isTyping: false))
        }
    }
}
