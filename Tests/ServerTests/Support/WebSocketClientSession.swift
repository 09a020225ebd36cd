import Domain
import Testing
import Transport

/// A test client of a room socket that keeps the state a chat client keeps: messages by sequence number, the
/// highest sequence number and revision seen, and everything it received in order.
final class WebSocketClientSession {
    private(set) var client: WebSocketClient
    private(set) var events: [JSONValue] = []
    /// The current view of each message, by sequence number.
    private(set) var messages: [Int: JSONValue] = [:]
    private var sequenceByID: [String: Int] = [:]
    private(set) var lastSequence = 0
    private(set) var lastRev = 0

    init(client: WebSocketClient) {
        self.client = client
    }

    /// Reads one event and applies it to the state.
    @discardableResult
    func read(timeout: Duration = .seconds(5), sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> JSONValue
    {
        let event = try await self.client.event(timeout: timeout, sourceLocation: sourceLocation)
        self.apply(event)
        return event
    }

    /// Reads until an event of `type` arrives (applying everything on the way).
    @discardableResult
    func until(_ type: String, timeout: Duration = .seconds(5), sourceLocation: SourceLocation = #_sourceLocation)
        async throws -> JSONValue
    {
        while true {
            let event = try await self.read(timeout: timeout, sourceLocation: sourceLocation)
            if event["type"]?.stringValue == type { return event }
        }
    }

    /// Continues on a new connection with the state gathered so far, as a client does after reconnecting.
    func resume(on client: WebSocketClient) {
        self.client = client
    }

    func send(_ object: JSONObject) async throws {
        try await self.client.send(object)
    }

    func close() async {
        try? await self.client.close()
    }

    private func apply(_ event: JSONValue) {
        self.events.append(event)
        if let rev = event["rev"]?.intValue { self.lastRev = max(self.lastRev, rev) }
        switch event["type"]?.stringValue {
        case "connected", "sync_complete":
            if let seq = event["last_sequence_number"]?.intValue,
                self.lastSequence == 0 || event["type"]?.stringValue == "sync_complete"
            {
                self.lastSequence = max(self.lastSequence, seq)
            }
        case "message", "message_edited":
            guard let message = event["message"], let seq = message["sequence_number"]?.intValue else { return }
            self.messages[seq] = message
            if let id = message["message_id"]?.stringValue { self.sequenceByID[id] = seq }
            if event["type"]?.stringValue == "message" { self.lastSequence = max(self.lastSequence, seq) }
            if let rev = message["rev"]?.intValue { self.lastRev = max(self.lastRev, rev) }
        case "message_deleted":
            guard let id = event["message_id"]?.stringValue, let seq = self.sequenceByID[id],
                case .object(var message)? = self.messages[seq]
            else { return }
            message["content"] = .null
            message["deleted_at"] = event["deleted_at"]
            message["deleted_by"] = event["deleted_by"]
            message["rev"] = event["rev"]
            self.messages[seq] = .object(message)
        case "reactions_updated":
            guard let id = event["message_id"]?.stringValue, let seq = self.sequenceByID[id],
                case .object(var message)? = self.messages[seq]
            else { return }
            message["reactions"] = event["reactions"]
            message["rev"] = event["rev"]
            self.messages[seq] = .object(message)
        default:
            break
        }
    }

    /// What a user sees of each message: content, deletion, edit and reactions.
    func view() -> [Int: String] {
        self.messages.mapValues { message in
            let content = message["content"].map { JSONWriter.string($0) } ?? "null"
            let reactions = message["reactions"].map { JSONWriter.string($0) } ?? "[]"
            return
                "\(content)|deleted:\(message["deleted_at"] != .null)|edited:\(message["edited_at"] != .null)|\(reactions)"
        }
    }
}
