package import Application
import Domain
import Foundation
import Testing

/// Two views of one presence state, as two server processes see it: for a one-process adapter both are the same
/// registry; for a shared one, two registries (two process ids) on the same database.
package struct PresencePair: Sendable {
    package var first: any PresenceRegistry
    package var second: any PresenceRegistry

    package init(first: any PresenceRegistry, second: any PresenceRegistry) {
        self.first = first
        self.second = second
    }
}

/// One behaviour every `PresenceRegistry` adapter must show, written against the port only.
package struct PresenceContract: Sendable, CustomTestStringConvertible {
    package let name: String
    let body: @Sendable (PresencePair) async throws -> Void

    init(_ name: String, _ body: @escaping @Sendable (PresencePair) async throws -> Void) {
        self.name = name
        self.body = body
    }

    package func run(_ pair: PresencePair) async throws {
        try await self.body(pair)
    }

    package var testDescription: String { self.name }
}

/// What every `PresenceRegistry` must do. Connection ids differ between the two views, as they would between
/// processes that happen to number alike only by chance (the shared adapter keeps them apart by process).
package enum PresenceRegistryContract {
    static let start = Date(timeIntervalSince1970: 1_795_000_000)

    package static let cases: [PresenceContract] = [
        PresenceContract("the first connection anywhere joins, the last one anywhere leaves") { pair in
            let room = RoomID(uuid: UUID())
            let alice = Fixture.user("alice")
            #expect(await pair.first.connect(1, user: alice, displayName: "Alice", room: room, at: Self.start))
            #expect(
                !(await pair.second.connect(
                    101, user: alice, displayName: "Alice", room: room, at: Self.start.addingTimeInterval(5))))
            let expected = [PresenceEntry(userID: alice, displayName: "Alice", since: Self.start)]
            #expect(await pair.first.online(in: room) == expected)
            #expect(await pair.second.online(in: room) == expected)
            #expect(!(await pair.first.disconnect(1, user: alice, room: room)))
            #expect(await pair.second.online(in: room) == expected)
            #expect(await pair.second.disconnect(101, user: alice, room: room))
            #expect(await pair.first.online(in: room).isEmpty)
            #expect(await pair.second.online(in: room).isEmpty)
        },
        PresenceContract("closing an unknown connection, or one twice, announces nothing") { pair in
            let room = RoomID(uuid: UUID())
            let bob = Fixture.user("bob")
            #expect(!(await pair.first.disconnect(7, user: bob, room: room)))
            #expect(await pair.first.connect(7, user: bob, displayName: "Bob", room: room, at: Self.start))
            #expect(!(await pair.second.disconnect(7, user: bob, room: RoomID(uuid: UUID()))))
            #expect(await pair.first.disconnect(7, user: bob, room: room))
            #expect(!(await pair.first.disconnect(7, user: bob, room: room)))
        },
        PresenceContract("online lists the users in the order they came, with the name of their first connection") {
            pair in
            let room = RoomID(uuid: UUID())
            let (wang, lin) = (Fixture.user("wang"), Fixture.user("lin"))
            _ = await pair.second.connect(
                201, user: lin, displayName: "林小明", room: room, at: Self.start.addingTimeInterval(2))
            _ = await pair.first.connect(2, user: wang, displayName: "Wang Wei", room: room, at: Self.start)
            _ = await pair.first.connect(
                3, user: lin, displayName: "Lin", room: room, at: Self.start.addingTimeInterval(9))
            let expected = [
                PresenceEntry(userID: wang, displayName: "Wang Wei", since: Self.start),
                PresenceEntry(userID: lin, displayName: "林小明", since: Self.start.addingTimeInterval(2)),
            ]
            #expect(await pair.first.online(in: room) == expected)
            #expect(await pair.second.online(in: room) == expected)
            #expect(await pair.first.online(in: RoomID(uuid: UUID())).isEmpty)
        },
        PresenceContract("a user connecting on both at once joins once") { pair in
            let room = RoomID(uuid: UUID())
            let carol = Fixture.user("carol")
            async let a = pair.first.connect(4, user: carol, displayName: "Carol", room: room, at: Self.start)
            async let b = pair.second.connect(204, user: carol, displayName: "Carol", room: room, at: Self.start)
            let joins = [await a, await b].filter { $0 }.count
            #expect(joins == 1)
            async let c = pair.first.disconnect(4, user: carol, room: room)
            async let d = pair.second.disconnect(204, user: carol, room: room)
            let leaves = [await c, await d].filter { $0 }.count
            #expect(leaves == 1)
            #expect(await pair.first.online(in: room).isEmpty)
        },
        PresenceContract("typing is seen everywhere, changes once, and expires once") { pair in
            let room = RoomID(uuid: UUID())
            let dave = Fixture.user("dave")
            #expect(await pair.first.setTyping(true, user: dave, displayName: "Dave", room: room, at: Self.start))
            #expect(
                !(await pair.second.setTyping(
                    true, user: dave, displayName: "Dave", room: room, at: Self.start.addingTimeInterval(2))))
            let typing = [PresenceEntry(userID: dave, displayName: "Dave", since: Self.start.addingTimeInterval(2))]
            #expect(await pair.first.typing(in: room) == typing)
            #expect(await pair.second.typing(in: room) == typing)
            // Refreshed at +2: a cutoff before that keeps it.
            #expect(
                await pair.first.expireTyping(refreshedBefore: Self.start.addingTimeInterval(1)).allSatisfy {
                    $0.room != room
                })
            let expired = await pair.second.expireTyping(refreshedBefore: Self.start.addingTimeInterval(2))
                .filter { $0.room == room }
            #expect(expired.map(\.entry) == typing)
            #expect(
                await pair.first.expireTyping(refreshedBefore: Self.start.addingTimeInterval(2)).allSatisfy {
                    $0.room != room
                })
            #expect(await pair.first.typing(in: room).isEmpty)
            #expect(!(await pair.first.setTyping(false, user: dave, displayName: "Dave", room: room, at: Self.start)))
            #expect(await pair.first.setTyping(true, user: dave, displayName: "Dave", room: room, at: Self.start))
            #expect(await pair.second.setTyping(false, user: dave, displayName: "Dave", room: room, at: Self.start))
            #expect(await pair.first.typing(in: room).isEmpty)
        },
        PresenceContract("a user's last connection anywhere stops their typing") { pair in
            let room = RoomID(uuid: UUID())
            let erin = Fixture.user("erin")
            _ = await pair.first.connect(5, user: erin, displayName: "Erin", room: room, at: Self.start)
            _ = await pair.second.connect(205, user: erin, displayName: "Erin", room: room, at: Self.start)
            _ = await pair.first.setTyping(true, user: erin, displayName: "Erin", room: room, at: Self.start)
            _ = await pair.first.disconnect(5, user: erin, room: room)
            #expect(await pair.second.typing(in: room).count == 1)
            _ = await pair.second.disconnect(205, user: erin, room: room)
            #expect(await pair.first.typing(in: room).isEmpty)
        },
        PresenceContract("live processes expire nobody") { pair in
            let room = RoomID(uuid: UUID())
            let frank = Fixture.user("frank")
            _ = await pair.first.connect(6, user: frank, displayName: "Frank", room: room, at: Self.start)
            for second in 0..<3 {
                let now = Self.start.addingTimeInterval(Double(second))
                #expect(await pair.first.expireStaleConnections(at: now).allSatisfy { $0.room != room })
                #expect(await pair.second.expireStaleConnections(at: now).allSatisfy { $0.room != room })
            }
            #expect(await pair.second.online(in: room).map(\.userID) == [frank])
        },
    ]
}
