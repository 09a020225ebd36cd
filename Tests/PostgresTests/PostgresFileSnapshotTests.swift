import Domain
import Foundation
import Testing

@testable import Postgres

/// The file snapshot stored in `messages.file` is JSON, so its numbers come back as Doubles: one that does not fit an
/// Int64 (edited by hand, or by another program) is a decoding error, never a trap of every process that reads it.
struct PostgresFileSnapshotTests {
    private func snapshot(size: JSONValue, uploadedAt: JSONValue, deletedAt: JSONValue? = nil) -> JSONValue {
        var object: JSONObject = [
            "file_id": .string(UUID().uuidString), "room_id": .string(UUID().uuidString),
            "filename": .string("pump.jpg"), "content_type": .string("image/jpeg"), "size": size,
            "file_type": .string("image"), "object_key": .string("k"), "uploaded_by": .string("a@example.com"),
            "uploaded_at_us": uploadedAt,
        ]
        if let deletedAt { object["deleted_at_us"] = deletedAt }
        return .object(object)
    }

    @Test func outOfRangeNumbersAreADecodingErrorNotATrap() {
        let hostile: [JSONValue] = [
            self.snapshot(size: .number(1e300), uploadedAt: .number(0)),
            self.snapshot(size: .number(.nan), uploadedAt: .number(0)),
            self.snapshot(size: .number(2.5), uploadedAt: .number(0)),
            self.snapshot(size: .number(9.3e18), uploadedAt: .number(0)),
            self.snapshot(size: .number(1), uploadedAt: .number(1e300)),
            self.snapshot(size: .number(1), uploadedAt: .number(-9.2e18)),
            self.snapshot(size: .number(1), uploadedAt: .number(.infinity)),
            self.snapshot(size: .number(1), uploadedAt: .number(0), deletedAt: .number(1e300)),
            self.snapshot(size: .number(1), uploadedAt: .number(0), deletedAt: .number(-.infinity)),
        ]
        for value in hostile {
            #expect(throws: PostgresError.self) { try PostgresMessageStore.decodeFile(value) }
        }
    }

    @Test func aValidSnapshotStillDecodes() throws {
        let file = try PostgresMessageStore.decodeFile(
            self.snapshot(size: .number(1_234), uploadedAt: .number(0), deletedAt: .number(1_000_000)))
        #expect(file.size == 1_234)
        #expect(file.uploadedAt == Date(timeIntervalSince1970: 946_684_800))
        #expect(file.deletedAt == Date(timeIntervalSince1970: 946_684_801))
        let live = try PostgresMessageStore.decodeFile(self.snapshot(size: .number(1), uploadedAt: .number(0)))
        #expect(live.deletedAt == nil)
    }
}
