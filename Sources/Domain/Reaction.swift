/// The reactions of one emoji on one message: how many, and who.
package struct ReactionSummary: Hashable, Sendable {
    package var emoji: String
    package var userIDs: [UserID]

    package init(emoji: String, userIDs: [UserID]) {
        self.emoji = emoji
        self.userIDs = userIDs
    }

    package var count: Int { self.userIDs.count }

    /// Aggregates (user, emoji) pairs given in the order they were added: emojis in order of first use, users in
    /// order of reaction, as chat clients show them.
    package static func aggregate(_ reactions: [(userID: UserID, emoji: String)]) -> [ReactionSummary] {
        var order: [String] = []
        var users: [String: [UserID]] = [:]
        for reaction in reactions {
            if users[reaction.emoji] == nil { order.append(reaction.emoji) }
            users[reaction.emoji, default: []].append(reaction.userID)
        }
        return order.map { ReactionSummary(emoji: $0, userIDs: users[$0]!) }
    }
}

/// Whether a reaction was added or removed, as the `reactions_updated` event reports it.
package enum ReactionAction: String, Sendable {
    case added, removed
}
