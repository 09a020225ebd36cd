package import Domain

/// What a reconnecting client missed: every message after the last sequence number it saw, then the current state
/// of older messages changed after the last revision it saw (API.md: resume with `last_seq` and `last_rev`).
package struct CatchUp: Sendable {
    package struct Result: Hashable, Sendable {
        /// New messages, in sequence order.
        package var messages: [Message]
        /// Older messages changed since `last_rev`, in the order of their last change.
        package var changed: [Message]
        /// The room's counters the client is in sync with after applying this result.
        package var lastSequenceNumber: Int64
        package var rev: Int64
    }

    /// Replays are bounded: a client further behind than this reloads history with REST instead.
    package static let maximumMessages = 5_000

    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    package func callAsFunction(_ roomID: RoomID, lastSequence: Int64, lastRev: Int64?, by principal: Principal)
        async throws -> Result
    {
        guard lastSequence >= 0, (lastRev ?? 0) >= 0 else {
            throw DomainError.invalidRequest("last_seq and last_rev must not be negative")
        }
        let access = try await RoomAccess.resolve(roomID, for: principal, in: self.deps)
        var messages: [Message] = []
        var after = lastSequence
        while messages.count < Self.maximumMessages {
            let page = try await self.deps.messages.history(
                of: roomID, HistoryQuery(direction: .oldestFirst(afterSequence: after), limit: 200))
            messages += page.messages
            guard page.hasMore, let last = page.messages.last else { break }
            after = last.sequenceNumber
        }
        var changed: [Message] = []
        if let lastRev {
            changed = try await self.deps.messages.changes(in: roomID, afterRev: lastRev, throughSequence: lastSequence)
        }
        // The room's own counter, never the client's claim: a client ahead of the room would drop new messages.
        let highestSequence = messages.last?.sequenceNumber ?? access.room.lastSequenceNumber
        let highestRev = ([access.room.rev] + messages.map(\.rev) + changed.map(\.rev)).max() ?? access.room.rev
        return Result(messages: messages, changed: changed, lastSequenceNumber: highestSequence, rev: highestRev)
    }
}
