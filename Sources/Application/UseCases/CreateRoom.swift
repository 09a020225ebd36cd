package import Domain
import Foundation

/// Opens an incident room; the creator becomes its OWNER and the room's first message records the opening.
package struct CreateRoom: Sendable {
    package struct Request: Hashable, Sendable {
        package var title: String
        package var incidentType: IncidentType
        package var severity: Severity
        package var location: String
        package var description: String
        package var lots: [String]

        package init(
            title: String, incidentType: IncidentType, severity: Severity, location: String = "",
            description: String = "", lots: [String] = []
        ) {
            self.title = title
            self.incidentType = incidentType
            self.severity = severity
            self.location = location
            self.description = description
            self.lots = lots
        }
    }

    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    package func callAsFunction(_ request: Request, by principal: Principal) async throws -> RoomView {
        try RoomRules.validate(title: request.title)
        try RoomRules.validate(location: request.location)
        try RoomRules.validate(description: request.description)
        try RoomRules.validate(lots: request.lots)
        let now = self.deps.clock.now()
        let id = RoomID(uuid: self.deps.ids.next())
        let draft = NewRoom(
            id: id, title: request.title.trimmingCharacters(in: .whitespaces), incidentType: request.incidentType,
            severity: request.severity, location: request.location, description: request.description,
            lots: request.lots, createdBy: principal.userID, createdAt: now)
        let owner = Member(
            roomID: id, userID: principal.userID, displayName: principal.displayName, role: .owner, addedAt: now)
        let announcement = RoomAnnouncement(deps: self.deps, principal: principal, roomID: id, at: now).make(
            event: "room_created", sentence: "\(principal.displayName) opened the incident \"\(draft.title)\"",
            data: ["title": .string(draft.title), "severity": .string(draft.severity.rawValue)])
        let room = try await self.deps.committer.perform(in: id) {
            let (room, message) = try await self.deps.rooms.create(draft, owner: owner, announcement: announcement)
            return (room, [.messageCreated(message)])
        }
        return RoomView(room: room, myRole: .owner)
    }
}
