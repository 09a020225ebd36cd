import Domain

/// The room whose order a change of a message takes its place in.
enum MessageRoom {
    /// The caller's room when it acts in one (a WebSocket acts on its own room only, so a message of another room
    /// is simply not found there); otherwise the message's own (a REST path names only the message).
    static func resolve(_ id: MessageID, in room: RoomID?, deps: Dependencies) async throws -> RoomID {
        if let room { return room }
        guard let message = try await deps.messages.message(id: id) else { throw DomainError.notFound("Message") }
        return message.roomID
    }
}
