import Application
import Domain
import Foundation
import Testing

/// What every `RoomStore` must do.
package enum RoomStoreContract {
    package static let cases: [StoreContract] = [
        StoreContract("creating a room stores it, its owner and its announcement as message 1") { stores in
            let owner = Fixture.user("owner")
            let draft = Fixture.roomDraft(creator: owner)
            let member = Member(
                roomID: draft.id, userID: owner, displayName: "Owner", role: .owner, addedAt: Fixture.start)
            let (room, announcement) = try await stores.rooms.create(
                draft, owner: member, announcement: Fixture.system(draft.id, actor: owner, event: "room_created"))
            #expect(room.title == draft.title)
            #expect(room.status == .active)
            #expect(room.lots == ["LOT-1"])
            #expect(room.memberCount == 1)
            #expect(room.lastSequenceNumber == 1)
            #expect(announcement.sequenceNumber == 1)
            #expect(announcement.kind == .system)
            #expect(try await stores.rooms.room(id: draft.id) == room)
            #expect(try await stores.rooms.members(of: draft.id) == [member])
            #expect(try await stores.rooms.member(owner, of: draft.id) == member)
            #expect(try await stores.rooms.room(id: RoomID(uuid: UUID())) == nil)
        },
        StoreContract("an update changes only the given fields and numbers its announcement") { stores in
            let (room, owner) = try await Fixture.room(in: stores)
            let at = Fixture.start.addingTimeInterval(600)
            let (resolved, message) = try await stores.rooms.update(
                room.id, changes: RoomChanges(severity: .critical, status: .resolved, lots: ["LOT-1", "LOT-2"]), at: at,
                announcement: Fixture.system(room.id, actor: owner, event: "status_changed", at: at))
            #expect(resolved.status == .resolved)
            #expect(resolved.severity == .critical)
            #expect(resolved.lots == ["LOT-1", "LOT-2"])
            #expect(resolved.title == room.title)
            #expect(resolved.resolvedAt == at)
            #expect(resolved.updatedAt == at)
            #expect(message.sequenceNumber == 2)
            #expect(resolved.lastSequenceNumber == 2)
            let (reopened, _) = try await stores.rooms.update(
                room.id, changes: RoomChanges(status: .active), at: at,
                announcement: Fixture.system(room.id, actor: owner, event: "status_changed", at: at))
            #expect(reopened.resolvedAt == nil)
            await #expect(throws: DomainError.notFound("Room")) {
                try await stores.rooms.update(
                    RoomID(uuid: UUID()), changes: RoomChanges(title: "x"), at: at,
                    announcement: Fixture.system(RoomID(uuid: UUID()), actor: owner, event: "room_updated"))
            }
        },
        StoreContract("members are added once, change role, and are removed, each with an announcement") { stores in
            let (room, owner) = try await Fixture.room(in: stores)
            let editor = Fixture.user("editor")
            let member = Member(
                roomID: room.id, userID: editor, displayName: "林小明", role: .editor, addedAt: Fixture.start)
            let (added, first) = try await stores.rooms.add(
                member, announcement: Fixture.system(room.id, actor: owner, event: "member_added"))
            #expect(added == member)
            #expect(first.sequenceNumber == 2)
            await #expect(throws: DomainError.conflict("The user is already a member.")) {
                try await stores.rooms.add(
                    member, announcement: Fixture.system(room.id, actor: owner, event: "member_added"))
            }
            #expect(try await stores.rooms.room(id: room.id)?.memberCount == 2)
            #expect(try await stores.rooms.memberships(of: editor) == [room.id: .editor])
            let (viewer, second) = try await stores.rooms.changeRole(
                of: editor, in: room.id, to: .viewer,
                announcement: Fixture.system(room.id, actor: owner, event: "role_changed"))
            #expect(viewer.role == .viewer)
            #expect(viewer.displayName == "林小明")
            #expect(second.sequenceNumber == 3)
            let third = try await stores.rooms.remove(
                editor, from: room.id, announcement: Fixture.system(room.id, actor: owner, event: "member_removed"))
            #expect(third.sequenceNumber == 4)
            #expect(try await stores.rooms.member(editor, of: room.id) == nil)
            #expect(try await stores.rooms.memberships(of: editor).isEmpty)
            await #expect(throws: DomainError.notFound("Member")) {
                try await stores.rooms.remove(
                    editor, from: room.id, announcement: Fixture.system(room.id, actor: owner, event: "member_removed"))
            }
            await #expect(throws: DomainError.notFound("Member")) {
                try await stores.rooms.changeRole(
                    of: editor, in: room.id, to: .owner,
                    announcement: Fixture.system(room.id, actor: owner, event: "role_changed"))
            }
        },
        StoreContract("listing shows a member their rooms only, filters, matches text in lots, and pages") { stores in
            let marker = "M\(UUID().uuidString.prefix(6))"
            let (a, owner) = try await Fixture.room(in: stores, title: "Pump \(marker) leaking", lots: ["L-1"])
            let (b, _) = try await Fixture.room(in: stores, title: "Oven \(marker) drift", lots: ["L-\(marker)-9"])
            _ = try await stores.rooms.update(
                b.id, changes: RoomChanges(status: .resolved), at: Fixture.start.addingTimeInterval(1),
                announcement: Fixture.system(b.id, actor: owner, event: "status_changed"))
            let mine = try await stores.rooms.rooms(matching: RoomQuery(memberID: owner))
            #expect(mine.rooms.map(\.room.id) == [a.id])
            let all = try await stores.rooms.rooms(matching: RoomQuery(memberID: nil, text: marker.lowercased()))
            #expect(Set(all.rooms.map(\.room.id)) == [a.id, b.id])
            #expect(all.total == 2)
            let resolved = try await stores.rooms.rooms(
                matching: RoomQuery(memberID: nil, status: .resolved, text: marker))
            #expect(resolved.rooms.map(\.room.id) == [b.id])
            let byLot = try await stores.rooms.rooms(matching: RoomQuery(memberID: nil, text: "l-\(marker)"))
            #expect(byLot.rooms.map(\.room.id) == [b.id])
            let page = try await stores.rooms.rooms(
                matching: RoomQuery(memberID: nil, text: marker, limit: 1, offset: 1))
            #expect(page.rooms.count == 1)
            #expect(page.total == 2)
        },
    ]
}
