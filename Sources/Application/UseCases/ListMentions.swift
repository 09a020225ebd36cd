package import Domain

/// The messages that mention the caller, across every room they are a member of, newest first (`GET /api/mentions`).
///
/// Only rooms the caller belongs to: an admin sees their own mentions, not everyone's. Deleted messages mention
/// nobody any more.
package struct ListMentions: Sendable {
    package struct Page: Hashable, Sendable {
        package var messages: [Message]
        package var hasMore: Bool
        /// Where the next page starts; nil on the last page.
        package var next: MentionCursor?
    }

    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    package func callAsFunction(after cursor: MentionCursor?, limit: Int, by principal: Principal) async throws
        -> Page
    {
        guard ReadHistory.limits.contains(limit) else {
            throw DomainError.invalidParameter(name: "limit", reason: "must be 1 to 200")
        }
        let page = try await self.deps.messages.mentions(of: principal.userID, after: cursor, limit: limit)
        let next = page.hasMore ? page.messages.last.map(MentionCursor.init(after:)) : nil
        return Page(messages: page.messages, hasMore: page.hasMore, next: next)
    }
}
