import Application
import Domain
import Foundation
import Postgres
import TestSupport
import Testing

@Suite(TestEnvironment.requires("TEST_DATABASE_URL"))
struct PostgresRoomStoreTests {
    @Test func roomLifecycleStoresEachChangeWithItsSystemMessage() async throws {
        let database = try await PostgresTestDatabase.make()
        defer { database.pool.close() }
        let stores = database.stores
        let fixture = StoreFixture(stores: stores)
        let room = try await fixture.makeRoom()
        #expect(room.lastSequenceNumber == 1 && room.rev == 1 && room.memberCount == 1 && room.status == .active)
        #expect(room.lots == ["LOT-1", "LOT-2"])

        let later = fixture.now.addingTimeInterval(10)
        let (resolved, announcement) = try await stores.rooms.update(
            room.id, changes: RoomChanges(severity: .critical, status: .resolved), at: later,
            announcement: fixture.newMessage(
                in: room.id, sender: "owner@example.com", kind: .system, content: .text("resolved"), at: later))
        #expect(resolved.status == .resolved && resolved.severity == .critical && resolved.resolvedAt == later)
        #expect(resolved.updatedAt == later && resolved.lastActivityAt == later)
        #expect(announcement.sequenceNumber == 2 && resolved.lastSequenceNumber == 2)

        let bob = Member(
            roomID: room.id, userID: UserID("bob@example.com"), displayName: "Bob", role: .editor, addedAt: later)
        let (added, _) = try await stores.rooms.add(
            bob,
            announcement: fixture.newMessage(
                in: room.id, sender: "owner@example.com", kind: .system, content: .text("added Bob")))
        #expect(added == bob)
        await #expect(throws: DomainError.self) {
            _ = try await stores.rooms.add(
                bob,
                announcement: fixture.newMessage(
                    in: room.id, sender: "owner@example.com", kind: .system, content: .text("again")))
        }
        let (promoted, _) = try await stores.rooms.changeRole(
            of: bob.userID, in: room.id, to: .owner,
            announcement: fixture.newMessage(
                in: room.id, sender: "owner@example.com", kind: .system, content: .text("role")))
        #expect(promoted.role == .owner)
        #expect(try await stores.rooms.members(of: room.id).map(\.userID) == [UserID("owner@example.com"), bob.userID])
        #expect(try await stores.rooms.memberships(of: bob.userID) == [room.id: .owner])
        _ = try await stores.rooms.remove(
            bob.userID, from: room.id,
            announcement: fixture.newMessage(
                in: room.id, sender: "owner@example.com", kind: .system, content: .text("removed")))
        #expect(try await stores.rooms.member(bob.userID, of: room.id) == nil)
        await #expect(throws: DomainError.notFound("Member")) {
            _ = try await stores.rooms.remove(
                bob.userID, from: room.id,
                announcement: fixture.newMessage(
                    in: room.id, sender: "owner@example.com", kind: .system, content: .text("x")))
        }
        // The refused change stored no message: 1 created + resolved + added + role + removed.
        #expect(try await stores.rooms.room(id: room.id)?.lastSequenceNumber == 5)
        await #expect(throws: DomainError.notFound("Room")) {
            _ = try await stores.rooms.update(
                RoomID(uuid: UUID()), changes: RoomChanges(title: "x"), at: later,
                announcement: fixture.newMessage(
                    in: room.id, sender: "owner@example.com", kind: .system, content: .text("x")))
        }
    }

    @Test func listingFiltersByMembershipStatusAndText() async throws {
        let database = try await PostgresTestDatabase.make()
        defer { database.pool.close() }
        let stores = database.stores
        let fixture = StoreFixture(stores: stores)
        let a = try await fixture.makeRoom(owner: "ann@example.com", title: "Press 7 leaking")
        var later = fixture
        later.now = fixture.now.addingTimeInterval(100)
        let b = try await later.makeRoom(owner: "ben@example.com", title: "Resin shortage")
        let all = try await stores.rooms.rooms(matching: RoomQuery(memberID: nil))
        #expect(all.total == 2 && all.rooms.map(\.room.id) == [b.id, a.id])
        let anns = try await stores.rooms.rooms(matching: RoomQuery(memberID: UserID("ann@example.com")))
        #expect(anns.rooms.map(\.room.id) == [a.id])
        #expect(
            try await stores.rooms.rooms(matching: RoomQuery(memberID: nil, text: "RESIN")).rooms.map(\.room.id) == [
                b.id
            ])
        #expect(try await stores.rooms.rooms(matching: RoomQuery(memberID: nil, text: "lot-2")).total == 2)
        #expect(try await stores.rooms.rooms(matching: RoomQuery(memberID: nil, status: .resolved)).total == 0)
        let paged = try await stores.rooms.rooms(matching: RoomQuery(memberID: nil, limit: 1, offset: 1))
        #expect(paged.total == 2 && paged.rooms.map(\.room.id) == [a.id])
    }
}
