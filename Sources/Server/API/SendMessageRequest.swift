import Application
import Domain

extension SendMessage.Request {
    /// Reads the fields of a `message` event, from a WebSocket or the REST body (API.md: same body).
    init(_ body: RequestBody) throws(DomainError) {
        let kind = try body.enumeration("message_type", MessageKind.self) ?? .text
        guard let content = body.object["content"] else {
            if kind == .imageRef || kind == .fileRef {
                self.init(kind: kind, content: .null)
                try self.readOptionalFields(body)
                return
            }
            throw .validationFailed(field: "content", reason: "is required")
        }
        self.init(kind: kind, content: content)
        try self.readOptionalFields(body)
    }

    private mutating func readOptionalFields(_ body: RequestBody) throws(DomainError) {
        self.metadata = try body.objectValue("metadata")
        self.mentions = try body.strings("mentions")?.map { UserID($0) }
        self.fileID = try body.uuid("file_id", FileID.self)
        self.clientID = try body.string("client_id")
    }
}
