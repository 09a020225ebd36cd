package import Domain

/// What a reconnecting client missed: every message after the last sequence number it saw, then the current state
/// of older messages changed after the last revision it saw (API.md: resume with `last_seq` and `last_rev`).
///
/// A replay is bounded by count and bytes and read from the store in pages: a client further behind than that gets
/// what fits, with `truncated`, and loads the rest of the history over REST (a resume is never partial without
/// saying so). The bytes are under the connection's outbound bound, so a replay can never close the socket it is
/// sent on for being too slow to read it.
package struct CatchUp: Sendable {
    package struct Limits: Hashable, Sendable {
        package var maximumMessages: Int
        /// Counted as the content, metadata and file of each message plus an envelope of 400 bytes.
        package var maximumBytes: Int

        package init(maximumMessages: Int = 5_000, maximumBytes: Int = 3 << 20) {
            self.maximumMessages = maximumMessages
            self.maximumBytes = maximumBytes
        }
    }

    package struct Result: Hashable, Sendable {
        /// New messages, in sequence order.
        package var messages: [Message]
        /// Older messages changed since `last_rev`, in the order of their last change.
        package var changed: [Message]
        /// The room's counters the client is in sync with after applying this result.
        package var lastSequenceNumber: Int64
        package var rev: Int64
        /// The replay stopped at a bound: messages after `lastSequenceNumber` (or changes) were left out.
        package var truncated: Bool
    }

    static let pageSize = 200

    let deps: Dependencies
    let limits: Limits

    package init(_ deps: Dependencies, limits: Limits = Limits()) {
        self.deps = deps
        self.limits = limits
    }

    package func callAsFunction(_ roomID: RoomID, lastSequence: Int64, lastRev: Int64?, by principal: Principal)
        async throws -> Result
    {
        guard lastSequence >= 0, (lastRev ?? 0) >= 0 else {
            throw DomainError.invalidParameter(name: "last_seq", reason: "and last_rev must not be negative")
        }
        let access = try await RoomAccess.resolve(roomID, for: principal, in: self.deps)
        var budget = (messages: self.limits.maximumMessages, bytes: self.limits.maximumBytes)
        var truncated = false
        var messages: [Message] = []
        var after = lastSequence
        pages: while true {
            let page = try await self.deps.messages.history(
                of: roomID, HistoryQuery(direction: .oldestFirst(afterSequence: after), limit: Self.pageSize))
            for message in page.messages {
                guard Self.take(message, from: &budget) else {
                    truncated = true
                    break pages
                }
                messages.append(message)
            }
            guard page.hasMore, let last = page.messages.last else { break }
            after = last.sequenceNumber
        }
        var changed: [Message] = []
        if let lastRev, !truncated {
            let limit = budget.messages + 1
            for message in try await self.deps.messages.changes(
                in: roomID, afterRev: lastRev, throughSequence: lastSequence, limit: limit)
            {
                guard Self.take(message, from: &budget) else {
                    truncated = true
                    break
                }
                changed.append(message)
            }
        }
        // The room's own counter, never the client's claim: a client ahead of the room would drop new messages.
        let highestSequence =
            messages.last?.sequenceNumber ?? (truncated ? lastSequence : access.room.lastSequenceNumber)
        let sent = [messages.map(\.rev), changed.map(\.rev)].joined().max() ?? 0
        // A truncated replay claims no more than it sent (or the client's own revision, when the room has it).
        let highestRev = truncated ? max(sent, min(lastRev ?? 0, access.room.rev)) : max(sent, access.room.rev)
        return Result(
            messages: messages, changed: changed, lastSequenceNumber: highestSequence, rev: highestRev,
            truncated: truncated)
    }

    /// Whether `message` still fits the replay's budget, taking its share when it does.
    private static func take(_ message: Message, from budget: inout (messages: Int, bytes: Int)) -> Bool {
        let size = Self.size(of: message)
        guard budget.messages > 0, budget.bytes >= size else { return false }
        budget.messages -= 1
        budget.bytes -= size
        return true
    }

    /// About what the message's event weighs on the wire.
    package static func size(of message: Message) -> Int {
        var size = 400 + message.senderDisplayName.utf8.count + message.mentions.count * 40
        switch message.content {
        case .text(let text)?: size += text.utf8.count
        case .readings(let readings)?: size += JSONWriter.encode(.object(readings)).count
        case nil: break
        }
        if let metadata = message.metadata { size += JSONWriter.encode(.object(metadata)).count }
        if let file = message.file { size += 600 + file.filename.utf8.count }
        return size
    }
}
