package import Application
package import Domain
package import Foundation

/// `RoomStore` over an `InMemoryDatabase`.
package struct InMemoryRoomStore: RoomStore {
    let database: InMemoryDatabase

    package init(database: InMemoryDatabase) {
        self.database = database
    }

    package func create(_ room: NewRoom, owner: Member, announcement: NewMessage) async throws -> (Room, Message) {
        try self.database.write { (state) throws(DomainError) -> (Room, Message) in
            guard state.rooms[room.id] == nil else { throw .conflict("The room already exists.") }
            let stored = Room(
                id: room.id, title: room.title, incidentType: room.incidentType, severity: room.severity,
                status: .active, location: room.location, description: room.description, lots: room.lots,
                createdBy: room.createdBy, createdAt: room.createdAt, updatedAt: room.createdAt, resolvedAt: nil,
                lastActivityAt: room.createdAt, lastSequenceNumber: 0, rev: 0, memberCount: 1)
            state.rooms[room.id] = InMemoryDatabase.StoredRoom(
                room: stored, members: [owner.userID: owner], memberOrder: [owner.userID])
            let message = try state.insert(announcement).message
            return (state.roomWithCount(state.rooms[room.id]!), message)
        }
    }

    package func room(id: RoomID) async throws -> Room? {
        self.database.read { state in state.rooms[id].map { state.roomWithCount($0) } }
    }

    package func rooms(ids: [RoomID]) async throws -> [Room] {
        self.database.read { state in ids.compactMap { state.rooms[$0].map { state.roomWithCount($0) } } }
    }

    package func rooms(matching query: RoomQuery) async throws -> (rooms: [RoomListing], total: Int) {
        self.database.read { state in
            let needle = query.text?.lowercased()
            let matching = state.rooms.values.filter { stored in
                let room = stored.room
                if let memberID = query.memberID, stored.members[memberID] == nil { return false }
                if let status = query.status, room.status != status { return false }
                if let type = query.incidentType, room.incidentType != type { return false }
                if let severity = query.severity, room.severity != severity { return false }
                if let needle, !needle.isEmpty {
                    let fields = [room.title, room.description, room.location] + room.lots
                    return fields.contains { $0.lowercased().contains(needle) }
                }
                return true
            }
            .map { stored in
                RoomListing(
                    room: state.roomWithCount(stored),
                    readState: query.reader.map { state.readState(of: $0, in: stored.room.id) } ?? .empty)
            }
            .filter { !query.unreadOnly || $0.readState.unreadCount > 0 }
            .sorted { a, b in
                switch query.sort {
                case .activity: (a.room.lastActivityAt, a.room.id) > (b.room.lastActivityAt, b.room.id)
                }
            }
            let page = matching.dropFirst(query.offset).prefix(query.limit)
            return (Array(page), matching.count)
        }
    }

    package func update(_ id: RoomID, changes: RoomChanges, at date: Date, announcement: NewMessage) async throws
        -> (Room, Message)
    {
        try self.database.write { (state) throws(DomainError) -> (Room, Message) in
            guard var stored = state.rooms[id] else { throw .notFound("Room") }
            if let title = changes.title { stored.room.title = title }
            if let severity = changes.severity { stored.room.severity = severity }
            if let location = changes.location { stored.room.location = location }
            if let description = changes.description { stored.room.description = description }
            if let lots = changes.lots { stored.room.lots = lots }
            if let status = changes.status, status != stored.room.status {
                stored.room.status = status
                stored.room.resolvedAt = status == .resolved ? date : (status == .active ? nil : stored.room.resolvedAt)
            }
            stored.room.updatedAt = date
            state.rooms[id] = stored
            let message = try state.insert(announcement).message
            return (state.roomWithCount(state.rooms[id]!), message)
        }
    }

    package func members(of roomID: RoomID) async throws -> [Member] {
        self.database.read { state in
            guard let stored = state.rooms[roomID] else { return [] }
            return stored.memberOrder.compactMap { stored.members[$0] }
        }
    }

    package func member(_ userID: UserID, of roomID: RoomID) async throws -> Member? {
        self.database.read { $0.rooms[roomID]?.members[userID] }
    }

    package func memberships(of userID: UserID) async throws -> [RoomID: Role] {
        self.database.read { state in
            var roles: [RoomID: Role] = [:]
            for (id, stored) in state.rooms {
                if let member = stored.members[userID] { roles[id] = member.role }
            }
            return roles
        }
    }

    package func add(_ member: Member, announcement: NewMessage) async throws -> (Member, Message) {
        try self.database.write { (state) throws(DomainError) -> (Member, Message) in
            guard var stored = state.rooms[member.roomID] else { throw .notFound("Room") }
            guard stored.members[member.userID] == nil else { throw .conflict("The user is already a member.") }
            stored.members[member.userID] = member
            stored.memberOrder.append(member.userID)
            state.rooms[member.roomID] = stored
            return (member, try state.insert(announcement).message)
        }
    }

    package func changeRole(of userID: UserID, in roomID: RoomID, to role: Role, announcement: NewMessage)
        async throws -> (Member, Message)
    {
        try self.database.write { (state) throws(DomainError) -> (Member, Message) in
            guard var member = state.rooms[roomID]?.members[userID] else { throw .notFound("Member") }
            member.role = role
            state.rooms[roomID]!.members[userID] = member
            return (member, try state.insert(announcement).message)
        }
    }

    package func advanceReadMarker(of user: UserID, in roomID: RoomID, to sequence: Int64, at date: Date)
        async throws -> (marker: ReadMarker, moved: Bool)
    {
        try self.database.write { (state) throws(DomainError) -> (marker: ReadMarker, moved: Bool) in
            guard let result = state.advanceMarker(of: user, in: roomID, to: sequence, at: date) else {
                throw .notFound("Room")
            }
            return result
        }
    }

    package func readMarkers(in roomID: RoomID) async throws -> [UserID: ReadMarker] {
        self.database.read { $0.rooms[roomID]?.markers ?? [:] }
    }

    package func readState(of user: UserID, in roomID: RoomID) async throws -> ReadState {
        self.database.read { $0.readState(of: user, in: roomID) }
    }

    package func remove(_ userID: UserID, from roomID: RoomID, announcement: NewMessage) async throws -> Message {
        try self.database.write { (state) throws(DomainError) -> Message in
            guard state.rooms[roomID]?.members[userID] != nil else { throw .notFound("Member") }
            state.rooms[roomID]!.members[userID] = nil
            state.rooms[roomID]!.memberOrder.removeAll { $0 == userID }
            return try state.insert(announcement).message
        }
    }
}
