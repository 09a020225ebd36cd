package import Domain
import Foundation

/// Finds messages in a room by a case-insensitive substring, with HTML-safe highlights.
package struct SearchMessages: Sendable {
    package struct Hit: Hashable, Sendable {
        package var message: Message
        /// HTML-escaped text with the matches wrapped in `<mark>`.
        package var highlight: String
    }

    package static let maximumQueryCharacters = 200

    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    package func callAsFunction(_ roomID: RoomID, query: String, limit: Int, offset: Int, by principal: Principal)
        async throws -> (hits: [Hit], total: Int)
    {
        let query = query.trimmingCharacters(in: .whitespacesAndNewlines)
        guard query.count >= SearchHighlighter.minimumQueryLength, query.count <= Self.maximumQueryCharacters else {
            throw DomainError.invalidParameter(
                name: "q", reason: "must be 2 to \(Self.maximumQueryCharacters) characters")
        }
        guard !query.unicodeScalars.contains(where: ContentRules.isRefused) else {
            throw DomainError.invalidParameter(name: "q", reason: "must not contain control characters")
        }
        guard ReadHistory.limits.contains(limit) else {
            throw DomainError.invalidParameter(name: "limit", reason: "must be 1 to 200")
        }
        guard offset >= 0 else { throw DomainError.invalidParameter(name: "offset", reason: "must not be negative") }
        _ = try await RoomAccess.resolve(roomID, for: principal, in: self.deps)
        let (messages, total) = try await self.deps.messages.search(
            in: roomID, text: query, limit: limit, offset: offset)
        let hits = messages.map { message in
            Hit(message: message, highlight: SearchHighlighter.highlight(message.content?.text ?? "", query: query))
        }
        return (hits, total)
    }
}
