package import Domain
import Foundation

/// Pages through a room's timeline, newest first or, after a sequence number, oldest first.
package struct ReadHistory: Sendable {
    package static let limits = 1...200

    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    package func callAsFunction(_ roomID: RoomID, _ query: HistoryQuery, by principal: Principal) async throws
        -> HistoryPage
    {
        guard Self.limits.contains(query.limit) else {
            throw DomainError.invalidParameter(name: "limit", reason: "must be 1 to 200")
        }
        switch query.direction {
        case .newestFirst(let beforeSequence, _):
            if let beforeSequence, beforeSequence < 0 {
                throw DomainError.invalidParameter(name: "before_seq", reason: "must not be negative")
            }
        case .oldestFirst(let afterSequence):
            guard afterSequence >= 0 else {
                throw DomainError.invalidParameter(name: "after_seq", reason: "must not be negative")
            }
        }
        _ = try await RoomAccess.resolve(roomID, for: principal, in: self.deps)
        return try await self.deps.messages.history(of: roomID, query)
    }
}
