package import Domain
package import Foundation

/// One member's read marker as the room's other connections are told of it (`read_receipt`).
package struct ReadReceipt: Hashable, Sendable {
    package var roomID: RoomID
    package var userID: UserID
    package var displayName: String
    package var lastReadSequence: Int64
    package var readAt: Date

    package init(roomID: RoomID, userID: UserID, displayName: String, lastReadSequence: Int64, readAt: Date) {
        self.roomID = roomID
        self.userID = userID
        self.displayName = displayName
        self.lastReadSequence = lastReadSequence
        self.readAt = readAt
    }
}

/// Coalesces read receipts: at most one per (room, user) every `interval`, the latest value winning.
///
/// A pure state machine: time comes in as `now`, and each call returns what to publish. The first receipt of a
/// quiet user goes out at once; receipts that follow within `interval` of the last one sent wait, each replacing the
/// one before, until `due(now:)` finds the interval over. A client that marks every message read as it scrolls thus
/// costs the room one event a second, and the room still learns where the reader stopped.
package struct ReadReceiptCoalescer: Sendable {
    package static let interval: TimeInterval = 1

    private struct Key: Hashable {
        var room: RoomID
        var user: UserID
    }

    private struct Slot {
        var lastSent: Date
        var pending: ReadReceipt?
    }

    private var slots: [Key: Slot] = [:]

    package init() {}

    /// The receipt to publish now, or nil when it waits for the interval to end (replacing any waiting one).
    package mutating func offer(_ receipt: ReadReceipt, now: Date) -> ReadReceipt? {
        let key = Key(room: receipt.roomID, user: receipt.userID)
        if let slot = self.slots[key], now.timeIntervalSince(slot.lastSent) < Self.interval {
            self.slots[key]?.pending = receipt
            return nil
        }
        self.slots[key] = Slot(lastSent: now, pending: nil)
        return receipt
    }

    /// The waiting receipts whose interval has ended at `now`, to publish now; forgets users who went quiet.
    package mutating func due(now: Date) -> [ReadReceipt] {
        var ready: [ReadReceipt] = []
        for (key, slot) in self.slots where now.timeIntervalSince(slot.lastSent) >= Self.interval {
            if let pending = slot.pending {
                ready.append(pending)
                self.slots[key] = Slot(lastSent: now, pending: nil)
            } else {
                self.slots[key] = nil
            }
        }
        return ready.sorted { ($0.readAt, $0.userID) < ($1.readAt, $1.userID) }
    }

    /// How many receipts wait.
    package var waiting: Int { self.slots.values.count { $0.pending != nil } }
}
