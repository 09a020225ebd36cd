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
        let query = try Self.validated(query: query, limit: limit, offset: offset)
        _ = try await RoomAccess.resolve(roomID, for: principal, in: self.deps)
        let (messages, total) = try await self.deps.messages.search(
            in: roomID, text: query, limit: limit, offset: offset)
        let hits = messages.map { message in
            Hit(message: message, highlight: SearchHighlighter.highlight(message.content?.text ?? "", query: query))
        }
        return (hits, total)
    }

    /// The search rules shared by the room search and the search across rooms: the trimmed query, 2 to 200
    /// characters without control characters, limit 1 to 200, offset not negative.
    static func validated(query: String, limit: Int, offset: Int) throws(DomainError) -> String {
        let query = query.trimmingCharacters(in: .whitespacesAndNewlines)
        guard query.count >= SearchHighlighter.minimumQueryLength, query.count <= Self.maximumQueryCharacters else {
            throw .invalidParameter(name: "q", reason: "must be 2 to \(Self.maximumQueryCharacters) characters")
        }
        guard !query.unicodeScalars.contains(where: ContentRules.isRefused) else {
            throw .invalidParameter(name: "q", reason: "must not contain control characters")
        }
        guard ReadHistory.limits.contains(limit) else {
            throw .invalidParameter(name: "limit", reason: "must be 1 to 200")
        }
        guard offset >= 0 else { throw .invalidParameter(name: "offset", reason: "must not be negative") }
        return query
    }
}

/// `SearchMessages` over every room the caller may read (an admin: every room), newest first; each hit names its
/// room.
package struct SearchAllRooms: Sendable {
    package struct Hit: Hashable, Sendable {
        package var message: Message
        package var highlight: String
        package var roomTitle: String
    }

    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    package func callAsFunction(query: String, limit: Int, offset: Int, by principal: Principal) async throws
        -> (hits: [Hit], total: Int)
    {
        let query = try SearchMessages.validated(query: query, limit: limit, offset: offset)
        let (messages, total) = try await self.deps.messages.search(
            text: query, inRoomsOf: principal.isAdmin ? nil : principal.userID, limit: limit, offset: offset)
        let rooms = try await self.deps.rooms.rooms(ids: Array(Set(messages.map(\.roomID))))
        var titles: [RoomID: String] = [:]
        for room in rooms { titles[room.id] = room.title }
        let hits = messages.map { message in
            Hit(
                message: message, highlight: SearchHighlighter.highlight(message.content?.text ?? "", query: query),
                roomTitle: titles[message.roomID] ?? "")
        }
        return (hits, total)
    }
}
