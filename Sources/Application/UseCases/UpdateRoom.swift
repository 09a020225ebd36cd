package import Domain
import Foundation

/// Changes a room's fields or status (OWNER or admin). One call stores one `system` message: `status_changed`
/// when the status changes, else `room_updated` with the new values; members hear of status changes.
package struct UpdateRoom: Sendable {
    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    package func callAsFunction(_ roomID: RoomID, changes: RoomChanges, by principal: Principal) async throws
        -> RoomView
    {
        let access = try await RoomAccess.resolve(roomID, for: principal, in: self.deps)
        try access.require(.manageRoom)
        let room = access.room
        // Titles are stored trimmed, as CreateRoom stores them.
        var changes = changes
        changes.title = changes.title?.trimmingCharacters(in: .whitespaces)
        if let title = changes.title { try RoomRules.validate(title: title) }
        if let location = changes.location { try RoomRules.validate(location: location) }
        if let description = changes.description { try RoomRules.validate(description: description) }
        if let lots = changes.lots { try RoomRules.validate(lots: lots) }
        guard room.status != .archived else { throw DomainError.conflict("An archived room cannot be changed.") }
        if let status = changes.status, status != room.status, !room.status.canMove(to: status) {
            throw DomainError.conflict("A room cannot move from \(room.status.rawValue) to \(status.rawValue).")
        }
        let effective = Self.effectiveChanges(changes, of: room)
        guard !effective.isEmpty else { return RoomView(room: room, myRole: access.memberRole) }

        let now = self.deps.clock.now()
        let announce = RoomAnnouncement(deps: self.deps, principal: principal, roomID: roomID, at: now)
        let announcement: NewMessage
        if let status = effective.status {
            // Fields changed in the same PATCH ride along, so the one message still records every change.
            var data: JSONObject = ["from": .string(room.status.rawValue), "to": .string(status.rawValue)]
            let fields = Self.changedFields(effective)
            for (name, value) in fields { data[name] = value }
            let also = fields.isEmpty ? "" : " and updated the \(fields.keys.joined(separator: ", "))"
            announcement = announce.make(
                event: "status_changed",
                sentence:
                    "\(principal.displayName) changed the status from \(room.status.rawValue) to \(status.rawValue)\(also)",
                data: data)
        } else {
            let fields = Self.changedFields(effective)
            announcement = announce.make(
                event: "room_updated",
                sentence: "\(principal.displayName) updated the \(fields.keys.joined(separator: ", "))",
                data: fields)
        }
        let updated = try await self.deps.committer.perform(in: roomID) {
            let (updated, message) = try await self.deps.rooms.update(
                roomID, changes: effective, at: now, announcement: announcement)
            return (updated, [.messageCreated(message)])
        }
        if let status = effective.status {
            let dispatcher = NotificationDispatcher(deps: self.deps)
            let members = try await self.deps.rooms.members(of: roomID)
            let notices = members.filter { $0.userID != principal.userID }.map { member in
                dispatcher.make(
                    for: member.userID, kind: .statusChanged, title: "\(updated.title): \(status.rawValue)",
                    message:
                        "\(principal.displayName) changed the status from \(room.status.rawValue) to \(status.rawValue)",
                    room: roomID, reference: .room(roomID), at: now)
            }
            try await dispatcher.deliver(notices)
        }
        return RoomView(room: updated, myRole: access.memberRole)
    }

    /// Drops fields that would not change anything, so a no-op PATCH stores no message.
    private static func effectiveChanges(_ changes: RoomChanges, of room: Room) -> RoomChanges {
        RoomChanges(
            title: changes.title.flatMap { $0 == room.title ? nil : $0 },
            severity: changes.severity.flatMap { $0 == room.severity ? nil : $0 },
            status: changes.status.flatMap { $0 == room.status ? nil : $0 },
            location: changes.location.flatMap { $0 == room.location ? nil : $0 },
            description: changes.description.flatMap { $0 == room.description ? nil : $0 },
            lots: changes.lots.flatMap { $0 == room.lots ? nil : $0 })
    }

    private static func changedFields(_ changes: RoomChanges) -> JSONObject {
        var fields = JSONObject()
        if let title = changes.title { fields["title"] = .string(title) }
        if let severity = changes.severity { fields["severity"] = .string(severity.rawValue) }
        if let location = changes.location { fields["location"] = .string(location) }
        if let description = changes.description { fields["description"] = .string(description) }
        if let lots = changes.lots { fields["lots"] = .array(lots.map { .string($0) }) }
        return fields
    }
}
