package import Domain

/// The rooms a caller can see: their own, or every room for an admin.
package struct ListRooms: Sendable {
    package struct Filter: Hashable, Sendable {
        package var status: RoomStatus?
        package var incidentType: IncidentType?
        package var severity: Severity?
        package var text: String?
        package var limit: Int
        package var offset: Int

        package init(
            status: RoomStatus? = nil, incidentType: IncidentType? = nil, severity: Severity? = nil,
            text: String? = nil,
            limit: Int = 20, offset: Int = 0
        ) {
            self.status = status
            self.incidentType = incidentType
            self.severity = severity
            self.text = text
            self.limit = limit
            self.offset = offset
        }
    }

    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    package func callAsFunction(_ filter: Filter, by principal: Principal) async throws -> (
        rooms: [RoomView], total: Int
    ) {
        guard (1...200).contains(filter.limit) else {
            throw DomainError.invalidParameter(name: "limit", reason: "must be 1 to 200")
        }
        guard filter.offset >= 0 else {
            throw DomainError.invalidParameter(name: "offset", reason: "must not be negative")
        }
        let query = RoomQuery(
            memberID: principal.isAdmin ? nil : principal.userID, status: filter.status,
            incidentType: filter.incidentType, severity: filter.severity, text: filter.text, limit: filter.limit,
            offset: filter.offset)
        let (rooms, total) = try await self.deps.rooms.rooms(matching: query)
        let roles = try await self.deps.rooms.memberships(of: principal.userID)
        return (rooms.map { RoomView(room: $0, myRole: roles[$0.id]) }, total)
    }
}
