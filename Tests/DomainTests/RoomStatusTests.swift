import Domain
import Testing

struct RoomStatusTests {
    /// API.md: active -> resolved, resolved -> active (reopen), resolved -> archived, active -> archived;
    /// archived is final. Staying put is not a transition.
    static let allowed: Set<String> = ["active>resolved", "resolved>active", "resolved>archived", "active>archived"]

    @Test(arguments: RoomStatus.allCases, RoomStatus.allCases)
    func canMove(_ from: RoomStatus, _ to: RoomStatus) {
        #expect(from.canMove(to: to) == Self.allowed.contains("\(from.rawValue)>\(to.rawValue)"))
    }

    @Test func archivedIsFinal() {
        for next in RoomStatus.allCases { #expect(!RoomStatus.archived.canMove(to: next)) }
    }
}
