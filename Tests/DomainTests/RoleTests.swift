import Domain
import Testing

struct RoleTests {
    /// API.md, Roles: OWNER manages the room and its members and may delete any message; EDITOR sends, edits and
    /// deletes own messages, reacts; VIEWER only reads.
    static func expected(_ role: Role, _ action: RoomAction) -> Bool {
        switch action {
        case .read: true
        case .send, .react, .uploadFile, .editOwnMessage, .deleteOwnMessage, .pinMessages: role != .viewer
        case .manageRoom, .manageMembers, .deleteAnyMessage, .deleteAnyFile, .readAnyEditHistory: role == .owner
        }
    }

    @Test(arguments: Role.allCases, RoomAction.allCases)
    func allows(_ role: Role, _ action: RoomAction) {
        #expect(role.allows(action) == Self.expected(role, action))
    }

    @Test func spotChecksAgainstTheContract() {
        #expect(!Role.viewer.allows(.send))
        #expect(!Role.viewer.allows(.react))
        #expect(!Role.editor.allows(.manageMembers))
        #expect(!Role.editor.allows(.deleteAnyMessage))
        #expect(Role.editor.allows(.deleteOwnMessage))
        #expect(Role.owner.allows(.deleteAnyMessage))
    }

    @Test func rolesAreOrderedByPower() {
        #expect(Role.viewer < .editor)
        #expect(Role.editor < .owner)
        #expect(Role.allCases.sorted() == [.viewer, .editor, .owner])
    }

    @Test func rawValuesAreTheAPINames() {
        #expect(Role.allCases.map(\.rawValue) == ["OWNER", "EDITOR", "VIEWER"])
        #expect(Role(rawValue: "owner") == nil)
    }
}
