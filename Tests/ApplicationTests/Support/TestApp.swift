import Application
import Domain
import Foundation
import InMemory
import TestSupport
import Testing

/// A fresh service for one test: the in-memory stores and presence, with the test doubles for everything else.
///
/// Every test builds its own, so tests run in parallel without seeing each other's rooms, buckets or events.
struct TestApp: Sendable {
    /// 2026-11-21T10:00:00Z, 18:00 in Taipei.
    static let start = Date(timeIntervalSince1970: 1_795_255_200)

    let database = InMemoryDatabase()
    let clock = ManualClock(TestApp.start)
    let ids = SequentialIDGenerator()
    let directory = FakeUserDirectory()
    let tokens = FakeTokenService()
    let objects = FakeObjectStorage()
    let bus = RecordingEventBus()
    let presence = InMemoryPresenceRegistry()
    /// The in-memory message store, behind a wrapper that can fail appends and records their batches.
    let messages: FlakyMessageStore
    let deps: Dependencies

    init() {
        self.messages = FlakyMessageStore(InMemoryMessageStore(database: self.database))
        self.deps = Dependencies(
            users: InMemoryUserStore(database: self.database), rooms: InMemoryRoomStore(database: self.database),
            messages: self.messages, files: InMemoryFileStore(database: self.database),
            notifications: InMemoryNotificationStore(database: self.database),
            revocations: InMemoryRevocationStore(database: self.database), directory: self.directory,
            tokens: self.tokens, objects: self.objects, bus: self.bus, presence: self.presence, clock: self.clock,
            ids: self.ids)
    }

    // MARK: - People

    static let owner = Self.principal("lin@plant.example", "林小明")
    static let editor = Self.principal("wang@plant.example", "Wang Wei")
    static let viewer = Self.principal("chen@plant.example", "Chen Mei")
    static let outsider = Self.principal("out@plant.example", "Out Sider")
    static let admin = Self.principal("admin@plant.example", "Plant Admin", isAdmin: true)

    static func principal(_ id: String, _ name: String, isAdmin: Bool = false) -> Principal {
        Principal(
            userID: UserID(id), displayName: name, isAdmin: isAdmin, tokenID: "jti-\(id)",
            tokenExpiresAt: Self.start.addingTimeInterval(8 * 3600))
    }

    // MARK: - Use cases

    var sendMessage: SendMessage { SendMessage(self.deps) }

    // MARK: - Arranging

    /// A room opened by `owner`, with `editor` as EDITOR and `viewer` as VIEWER; the bus is cleared afterwards.
    func room(title: String = "Conveyor belt B2 stopped", severity: Severity = .high) async throws -> Room {
        for person in [Self.owner, Self.editor, Self.viewer, Self.outsider] {
            _ = try await self.deps.users.upsert(
                User(id: person.userID, displayName: person.displayName, email: person.userID.rawValue, isAdmin: false))
        }
        let view = try await CreateRoom(self.deps)(
            CreateRoom.Request(
                title: title, incidentType: .equipmentFailure, severity: severity, location: "Line 3",
                description: "Belt B2 stopped at 09:40", lots: ["LOT-2211"]),
            by: Self.owner)
        _ = try await AddMember(self.deps)(Self.editor.userID, role: .editor, to: view.room.id, by: Self.owner)
        _ = try await AddMember(self.deps)(Self.viewer.userID, role: .viewer, to: view.room.id, by: Self.owner)
        self.bus.clear()
        return try await self.currentRoom(view.room.id)
    }

    func currentRoom(_ id: RoomID, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Room {
        try #require(try await self.deps.rooms.room(id: id), sourceLocation: sourceLocation)
    }

    /// Sends a text message and returns it as stored.
    @discardableResult
    func send(
        _ text: String, by principal: Principal = TestApp.editor, to room: RoomID, clientID: String? = nil,
        mentions: [UserID]? = nil
    ) async throws -> Message {
        try await self.sendMessage(
            SendMessage.Request(content: .string(text), mentions: mentions, clientID: clientID), to: room,
            by: principal
        ).message
    }

    /// Every message of the room, oldest first.
    func timeline(_ room: RoomID) async throws -> [Message] {
        var messages: [Message] = []
        var after: Int64 = 0
        while true {
            let page = try await self.deps.messages.history(
                of: room, HistoryQuery(direction: .oldestFirst(afterSequence: after), limit: 200))
            messages += page.messages
            guard page.hasMore, let last = page.messages.last else { return messages }
            after = last.sequenceNumber
        }
    }

    /// Stores a file of the room directly, as an upload would have.
    @discardableResult
    func file(
        in room: RoomID, name: String = "belt.jpg", type: FileType = .image, contentType: String = "image/jpeg",
        by uploader: Principal = TestApp.editor
    ) async throws -> StoredFile {
        let id = FileID(uuid: self.ids.next())
        let file = StoredFile(
            id: id, roomID: room, filename: name, contentType: contentType, size: 1234, fileType: type,
            objectKey: "rooms/\(room)/\(id)/\(name)", uploadedBy: uploader.userID, uploadedAt: self.clock.now())
        try await self.deps.files.add(file)
        return file
    }

    /// The notifications stored for `user`, newest first; only those of `kind` when given.
    func notifications(of user: Principal, kind: NotificationKind? = nil) async throws -> [UserNotification] {
        try await self.deps.notifications.notifications(for: user.userID, unreadOnly: false, limit: 100)
            .filter { kind == nil || $0.kind == kind }
    }
}

/// Runs `body` and checks that it throws exactly `expected`.
func expect<T>(
    _ expected: DomainError, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> T
) async {
    do {
        _ = try await body()
        Issue.record("expected \(expected), but it succeeded", sourceLocation: sourceLocation)
    } catch let error as DomainError {
        #expect(error == expected, sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected \(expected), got \(error)", sourceLocation: sourceLocation)
    }
}

/// Runs `body` and checks that it throws a `DomainError` with the API code `code` (for cases with free text).
func expect<T>(
    code: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> T
) async {
    do {
        _ = try await body()
        Issue.record("expected \(code), but it succeeded", sourceLocation: sourceLocation)
    } catch let error as DomainError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected \(code), got \(error)", sourceLocation: sourceLocation)
    }
}

extension JSONObject {
    /// The object as compact JSON text, for comparing metadata.
    var json: String { JSONWriter.string(.object(self)) }
}
