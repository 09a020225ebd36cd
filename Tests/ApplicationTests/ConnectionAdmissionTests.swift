import Application
import Domain
import Foundation
import Testing

/// The connection caps and the upgrade attempt rate (docs/SECURITY.md).
struct ConnectionAdmissionTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    let alice = UserID("alice@example.com")
    let bob = UserID("bob@example.com")
    let room = RoomID(uuid: UUID())

    @Test func capsEachUserAndGivesThePlaceBackOnRelease() throws {
        let admission = ConnectionAdmission(limits: .init(perAddress: 100, perUser: 2, perRoom: 100))
        let first = try admission.admit(address: "10.0.0.1", user: self.alice, room: self.room)
        _ = try admission.admit(address: "10.0.0.2", user: self.alice, room: nil)
        #expect(throws: DomainError.unavailable) {
            try admission.admit(address: "10.0.0.3", user: self.alice, room: self.room)
        }
        // Someone else is not affected.
        _ = try admission.admit(address: "10.0.0.1", user: self.bob, room: self.room)
        admission.release(first)
        admission.release(first)
        _ = try admission.admit(address: "10.0.0.3", user: self.alice, room: self.room)
        #expect(admission.openCount == 3)
    }

    @Test func capsEachAddressAndEachRoom() throws {
        let admission = ConnectionAdmission(limits: .init(perAddress: 2, perUser: 100, perRoom: 3))
        for index in 0..<2 {
            _ = try admission.admit(address: "192.0.2.1", user: UserID("u\(index)@example.com"), room: self.room)
        }
        #expect(throws: DomainError.unavailable) {
            try admission.admit(address: "192.0.2.1", user: self.bob, room: nil)
        }
        _ = try admission.admit(address: "192.0.2.2", user: self.bob, room: self.room)
        #expect(throws: DomainError.unavailable) {
            try admission.admit(address: "192.0.2.3", user: self.alice, room: self.room)
        }
        // Another room has room.
        _ = try admission.admit(address: "192.0.2.3", user: self.alice, room: RoomID(uuid: UUID()))
    }

    @Test func limitsTheRateOfUpgradeAttemptsPerAddress() throws {
        let admission = ConnectionAdmission(limits: .init(attemptsPerSecond: 5))
        for _ in 0..<10 { try admission.attempt(from: "198.51.100.7", at: Self.now) }
        #expect(throws: DomainError.rateLimited(retryAfterSeconds: 1)) {
            try admission.attempt(from: "198.51.100.7", at: Self.now)
        }
        try admission.attempt(from: "198.51.100.8", at: Self.now)
        try admission.attempt(from: "198.51.100.7", at: Self.now.addingTimeInterval(0.2))
    }
}
