package import Domain
import Foundation

/// incident_data messages of a room that carry a reading, optionally within a range ("temperature over 80").
package struct FilterReadings: Sendable {
    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    package func callAsFunction(
        _ roomID: RoomID, name: String, atLeast minimum: Double?, atMost maximum: Double?, limit: Int,
        by principal: Principal
    ) async throws -> [Message] {
        guard !name.isEmpty, name.count <= 100 else {
            throw DomainError.invalidParameter(name: "name", reason: "must be 1 to 100 characters")
        }
        guard ReadHistory.limits.contains(limit) else {
            throw DomainError.invalidParameter(name: "limit", reason: "must be 1 to 200")
        }
        _ = try await RoomAccess.resolve(roomID, for: principal, in: self.deps)
        return try await self.deps.messages.readings(
            in: roomID, named: name, atLeast: minimum, atMost: maximum, limit: limit)
    }
}
