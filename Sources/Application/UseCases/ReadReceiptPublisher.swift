import Domain
import Synchronization

/// Publishes read receipts on the event bus through a `ReadReceiptCoalescer`; `flush()` runs about once a second
/// (the server's housekeeping) to send the receipts that waited.
///
/// Coalescing is per process: a user reading the same room through two processes at once can cause two receipts a
/// second. The bus carries every published receipt to the other processes.
package final class ReadReceiptPublisher: Sendable {
    private let coalescer = Mutex(ReadReceiptCoalescer())
    private let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    /// Publishes `receipt` now, or keeps it until its user's interval ends.
    package func offer(_ receipt: ReadReceipt) async {
        let now = self.deps.clock.now()
        guard let ready = self.coalescer.withLock({ $0.offer(receipt, now: now) }) else { return }
        await self.publish(ready)
    }

    /// Publishes the receipts whose interval has ended.
    package func flush() async {
        let now = self.deps.clock.now()
        for receipt in self.coalescer.withLock({ $0.due(now: now) }) {
            await self.publish(receipt)
        }
    }

    private func publish(_ receipt: ReadReceipt) async {
        await self.deps.bus.publish(
            .readReceipt(
                room: receipt.roomID, user: receipt.userID, displayName: receipt.displayName,
                lastReadSequence: receipt.lastReadSequence, at: receipt.readAt))
    }
}
