package import Foundation

/// A message may be edited by its sender for 15 minutes after it was sent.
package struct EditWindowPolicy: Sendable {
    package var length: TimeInterval

    package init(length: TimeInterval = 15 * 60) {
        self.length = length
    }

    /// Open up to and including the last instant of the window (exactly 15:00 after sending is still allowed).
    package func isOpen(sentAt: Date, now: Date) -> Bool {
        now.timeIntervalSince(sentAt) <= self.length
    }
}
