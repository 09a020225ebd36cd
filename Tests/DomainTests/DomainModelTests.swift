import Domain
import Foundation
import Testing

struct DomainModelTests {
    @Test func messageKindsNameTheAPITypes() {
        #expect(MessageKind.allCases.map(\.rawValue) == ["text", "image_ref", "file_ref", "system", "incident_data"])
        // Only the service writes system messages; readings are not searched (API.md, precise rules).
        #expect(MessageKind.allCases.filter { !$0.isClientSendable } == [.system])
        #expect(MessageKind.allCases.filter { !$0.isSearchable } == [.incidentData])
    }

    @Test func enumsUseTheAPISpellings() {
        #expect(
            IncidentType.allCases.map(\.rawValue) == [
                "equipment_failure", "material_shortage", "quality_issue", "other",
            ])
        #expect(Severity.allCases.map(\.rawValue) == ["low", "medium", "high", "critical"])
        #expect(RoomStatus.allCases.map(\.rawValue) == ["active", "resolved", "archived"])
        #expect(NotificationKind.allCases.map(\.rawValue) == ["mention", "member_added", "status_changed"])
        #expect(FileType.allCases.map(\.rawValue) == ["image", "document", "log"])
        #expect(ReactionAction.added.rawValue == "added")
        #expect(ReactionAction.removed.rawValue == "removed")
    }

    @Test func notificationReferencesNameTheirTarget() throws {
        let room = try #require(RoomID("6f9619ff-8b86-d011-b42d-00c04fc964ff"))
        let message = try #require(MessageID("00000000-0000-4000-8000-000000000001"))
        #expect(NotificationReference.room(room).type == "room")
        #expect(NotificationReference.room(room).id == "6f9619ff-8b86-d011-b42d-00c04fc964ff")
        #expect(NotificationReference.message(message).type == "message")
        #expect(NotificationReference.message(message).id == "00000000-0000-4000-8000-000000000001")
    }

    @Test func aDeletedMessageIsOneWithADeletionTime() throws {
        let room = try #require(RoomID("6f9619ff-8b86-d011-b42d-00c04fc964ff"))
        var message = Message(
            id: MessageID(uuid: UUID()), roomID: room, sequenceNumber: 1, rev: 1, senderID: UserID("a@x"),
            senderDisplayName: "A", kind: .text, content: .text("hi"), metadata: nil, mentions: [], file: nil,
            clientID: nil, createdAt: Date(timeIntervalSince1970: 0))
        #expect(!message.isDeleted)
        message.deletedAt = Date(timeIntervalSince1970: 1)
        #expect(message.isDeleted)
        #expect(MessageContent.text("x").text == "x")
        #expect(MessageContent.readings(["t": .number(1)]).text == nil)
    }

    @Test func jsonObjectsKeepInsertionOrderAndUniqueKeys() {
        var object: JSONObject = ["b": .number(1), "a": .number(2)]
        object["c"] = .string("x")
        object["b"] = .bool(true)
        #expect(object.keys == ["b", "a", "c"])
        #expect(object.count == 3)
        #expect(object.map(\.key) == ["b", "a", "c"])
        #expect(object["b"] == .bool(true))
        object["a"] = nil
        #expect(object.keys == ["b", "c"])
        #expect(!object.isEmpty)
        #expect(JSONObject().isEmpty)

        let value: JSONValue = .object(object)
        #expect(value["c"]?.stringValue == "x")
        #expect(value["missing"] == nil)
        #expect(JSONValue.number(85).numberValue == 85)
        #expect(JSONValue.string("85").numberValue == nil)
        #expect(JSONValue.array([]).objectValue == nil)
        #expect(JSONValue.array([])["c"] == nil)
    }
}
