import Domain
import Foundation
import Testing

struct IdentifierTests {
    @Test(arguments: ["John.Doe@Example.com", " john.doe@example.com\n", "JOHN.DOE@EXAMPLE.COM"])
    func userIDsAreLowerCasedAndTrimmed(_ text: String) {
        #expect(UserID(text) == UserID("john.doe@example.com"))
        #expect(UserID(text).rawValue == "john.doe@example.com")
        #expect(UserID(rawValue: text).description == "john.doe@example.com")
    }

    @Test func userIDsRoundTripThroughCodable() throws {
        let data = try JSONEncoder().encode([UserID("Ann@Plant.Example")])
        #expect(String(decoding: data, as: UTF8.self) == #"["ann@plant.example"]"#)
        #expect(try JSONDecoder().decode([UserID].self, from: Data(#"["BOB@X.Y"]"#.utf8)) == [UserID("bob@x.y")])
    }

    @Test func uuidTextIsFoundationsUUIDStringInLowerCase() {
        let fixed = UUID(
            uuid: (0x00, 0x01, 0x2a, 0x3b, 0x4c, 0x5d, 0x6e, 0x7f, 0x80, 0x91, 0xa2, 0xb3, 0xc4, 0xd5, 0xe6, 0xff))
        #expect(fixed.lowercaseText == "00012a3b-4c5d-6e7f-8091-a2b3c4d5e6ff")
        for _ in 0..<1_000 {
            let id = UUID()
            #expect(id.lowercaseText == id.uuidString.lowercased())
        }
    }

    @Test func uuidIdsParseAndPrintLowerCase() throws {
        let room = try #require(RoomID("6F9619FF-8B86-D011-B42D-00C04FC964FF"))
        #expect(room.description == "6f9619ff-8b86-d011-b42d-00c04fc964ff")
        #expect(RoomID(room.description) == room)
        #expect(MessageID("6f9619ff-8b86-d011-b42d-00c04fc964ff")?.description == room.description)
        #expect(FileID("6f9619ff-8b86-d011-b42d-00c04fc964ff") != nil)
        #expect(NotificationID("6f9619ff-8b86-d011-b42d-00c04fc964ff") != nil)
    }

    @Test(arguments: [
        "", "abc", "../../etc/passwd", "6f9619ff-8b86-d011-b42d-00c04fc964f", "6f9619ff-8b86-d011-b42d-00c04fc964fff",
        "{6f9619ff-8b86-d011-b42d-00c04fc964ff}", " 6f9619ff-8b86-d011-b42d-00c04fc964ff",
        "6f9619ff8b86d011b42d00c04fc964ff", "6f9619ff-8b86-d011-b42d-00c04fc964fg",
        "6f9619ff-8b86-d011-b42d-00c04fc964f/", "..%2F..%2Fetc%2Fpasswd-0000000000000",
        "6f9619ff-8b86-d011-b42d-00c04fc964ff\u{0}",
    ])
    func refusesAnythingButAUUID(_ text: String) {
        #expect(RoomID(text) == nil)
        #expect(MessageID(text) == nil)
        #expect(FileID(text) == nil)
        #expect(NotificationID(text) == nil)
    }

    @Test func idsOrderByTheirText() throws {
        let a = try #require(RoomID("00000000-0000-4000-8000-00000000000a"))
        let b = try #require(RoomID("00000000-0000-4000-8000-00000000000b"))
        #expect(a < b)
        #expect(UserID("a@x") < UserID("b@x"))
    }
}
