package import Domain
package import Foundation

/// Rooms and their members.
///
/// Every change to a room is recorded on its timeline: the methods that change a room take the `system` message
/// that describes the change and store both in one transaction, so the audit trail never misses a change.
package protocol RoomStore: Sendable {
    /// Stores a new room with its creator as OWNER and `announcement` as its first message (sequence 1).
    func create(_ room: NewRoom, owner: Member, announcement: NewMessage) async throws -> (Room, Message)
    func room(id: RoomID) async throws -> Room?
    /// Rooms matching `query`, newest activity first, each with the read state of `query.reader`, and the total
    /// before paging. The read state is counted by the store (never by loading messages): see `ReadState`.
    func rooms(matching query: RoomQuery) async throws -> (rooms: [RoomListing], total: Int)
    /// The rooms among `ids` that exist, in no particular order.
    func rooms(ids: [RoomID]) async throws -> [Room]
    /// Applies `changes` and appends `announcement`; throws `DomainError.notFound` for an unknown room.
    func update(_ id: RoomID, changes: RoomChanges, at: Date, announcement: NewMessage) async throws -> (Room, Message)

    func members(of roomID: RoomID) async throws -> [Member]
    func member(_ userID: UserID, of roomID: RoomID) async throws -> Member?
    /// The rooms `userID` belongs to, with their role in each.
    func memberships(of userID: UserID) async throws -> [RoomID: Role]
    /// Adds the member; throws `DomainError.conflict` when they already belong to the room.
    func add(_ member: Member, announcement: NewMessage) async throws -> (Member, Message)
    /// Throws `DomainError.notFound` when they are not a member.
    func changeRole(of userID: UserID, in roomID: RoomID, to role: Role, announcement: NewMessage) async throws
        -> (Member, Message)
    /// Throws `DomainError.notFound` when they are not a member.
    func remove(_ userID: UserID, from roomID: RoomID, announcement: NewMessage) async throws -> Message

    // MARK: - Read markers

    /// Moves `user`'s marker in the room to max(marker, min(`sequence`, the room's last sequence number)), stamping
    /// `at` when it moves, and marks the user's mention notifications of the messages up to the marker read, in one
    /// transaction. `moved` is false when the marker stayed where it was. Throws `DomainError.notFound` for an unknown
    /// room. (`MessageStore.append` moves each sender's marker to their message the same way.)
    func advanceReadMarker(of user: UserID, in roomID: RoomID, to sequence: Int64, at: Date) async throws
        -> (marker: ReadMarker, moved: Bool)
    /// The markers set in the room, by user (members and non-members alike; a marker is never removed).
    func readMarkers(in roomID: RoomID) async throws -> [UserID: ReadMarker]
    /// The room's read state for `user` (zero counts for an unknown room).
    func readState(of user: UserID, in roomID: RoomID) async throws -> ReadState
}

/// A room in a listing, with the read state of the listing's reader.
package struct RoomListing: Hashable, Sendable {
    package var room: Room
    package var readState: ReadState

    package init(room: Room, readState: ReadState) {
        self.room = room
        self.readState = readState
    }
}

/// The order of a room listing.
package enum RoomSort: String, Hashable, Sendable, CaseIterable {
    /// `last_activity_at`, newest first (ties by room id): the default.
    case activity
}

/// The fields of a room as its creator gives them.
package struct NewRoom: Hashable, Sendable {
    package var id: RoomID
    package var title: String
    package var incidentType: IncidentType
    package var severity: Severity
    package var location: String
    package var description: String
    package var lots: [String]
    package var createdBy: UserID
    package var createdAt: Date

    package init(
        id: RoomID, title: String, incidentType: IncidentType, severity: Severity, location: String,
        description: String, lots: [String], createdBy: UserID, createdAt: Date
    ) {
        self.id = id
        self.title = title
        self.incidentType = incidentType
        self.severity = severity
        self.location = location
        self.description = description
        self.lots = lots
        self.createdBy = createdBy
        self.createdAt = createdAt
    }
}

/// A partial update of a room; nil fields stay as they are.
package struct RoomChanges: Hashable, Sendable {
    package var title: String?
    package var severity: Severity?
    package var status: RoomStatus?
    package var location: String?
    package var description: String?
    package var lots: [String]?

    package init(
        title: String? = nil, severity: Severity? = nil, status: RoomStatus? = nil, location: String? = nil,
        description: String? = nil, lots: [String]? = nil
    ) {
        self.title = title
        self.severity = severity
        self.status = status
        self.location = location
        self.description = description
        self.lots = lots
    }

    package var isEmpty: Bool { self == RoomChanges() }
}

/// Which rooms a listing shows.
package struct RoomQuery: Hashable, Sendable {
    /// Only rooms this user is a member of; nil for an admin, who sees every room.
    package var memberID: UserID?
    package var status: RoomStatus?
    package var incidentType: IncidentType?
    package var severity: Severity?
    /// Case-insensitive substring of title, description, location or a lot.
    package var text: String?
    /// Whose read state each room carries (and whose unread messages `unreadOnly` looks at); nil: zero counts.
    package var reader: UserID?
    /// Only rooms where `reader` has unread messages.
    package var unreadOnly: Bool
    package var sort: RoomSort
    package var limit: Int
    package var offset: Int

    package init(
        memberID: UserID?, status: RoomStatus? = nil, incidentType: IncidentType? = nil, severity: Severity? = nil,
        text: String? = nil, reader: UserID? = nil, unreadOnly: Bool = false, sort: RoomSort = .activity,
        limit: Int = 20, offset: Int = 0
    ) {
        self.memberID = memberID
        self.status = status
        self.incidentType = incidentType
        self.severity = severity
        self.text = text
        self.reader = reader
        self.unreadOnly = unreadOnly
        self.sort = sort
        self.limit = limit
        self.offset = offset
    }
}
