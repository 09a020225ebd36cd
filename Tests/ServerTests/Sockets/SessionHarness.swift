import Application
import Domain
import Foundation
import InMemory
import JWT
import Synchronization
import TestSupport
import Testing
import Transport

@testable import Server

/// A connection that records what a session sends, for the session tests: no sockets, and waiting on it is waiting
/// for a condition (never a sleep).
final class FakeConnection: SessionConnection {
    let id: UInt64
    private struct State {
        var frames: [JSONValue] = []
        var closed: WebSocketCloseCode?
        var pauses = 0
        var resumes = 0
        var waiters: [(condition: @Sendable (State) -> Bool, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())
    private static let ids = Atomic<UInt64>(1_000)

    init() {
        self.id = Self.ids.wrappingAdd(1, ordering: .relaxed).newValue
    }

    func send(_ frame: OutboundFrame) {
        // Server frames are text frames with a short header; the payload is the JSON event.
        let bytes = frame.storage.bytes
        let headerLength = bytes[1] & 0x7F == 126 ? 4 : (bytes[1] & 0x7F == 127 ? 10 : 2)
        let value = (try? JSONParser().parse(Array(bytes[headerLength...]))) ?? .null
        self.update { $0.frames.append(value) }
    }

    func close(code: WebSocketCloseCode, reason: String) {
        self.update { if $0.closed == nil { $0.closed = code } }
    }

    func pauseReading() { self.update { $0.pauses += 1 } }
    func resumeReading() { self.update { $0.resumes += 1 } }

    var frames: [JSONValue] { self.state.withLock { $0.frames } }
    var types: [String] { self.frames.compactMap { $0["type"]?.stringValue } }
    var closeCode: WebSocketCloseCode? { self.state.withLock { $0.closed } }
    var pauses: Int { self.state.withLock { $0.pauses } }
    var resumes: Int { self.state.withLock { $0.resumes } }

    /// Waits until the frames satisfy `condition`; gives up after `timeout` (a failure of the test, not a wait).
    func wait(
        timeout: Duration = .seconds(5), sourceLocation: SourceLocation = #_sourceLocation,
        until condition: @escaping @Sendable ([JSONValue], WebSocketCloseCode?) -> Bool
    ) async {
        await self.wait(timeout: timeout, sourceLocation: sourceLocation) { state in
            condition(state.frames, state.closed)
        }
    }

    /// Waits until the reading was paused and resumed `count` times each.
    func waitForResume(count: Int, sourceLocation: SourceLocation = #_sourceLocation) async {
        await self.wait(sourceLocation: sourceLocation) { $0.resumes == count }
    }

    private func wait(
        timeout: Duration = .seconds(5), sourceLocation: SourceLocation, until met: @escaping @Sendable (State) -> Bool
    ) async {
        let deadline = ContinuousClock.now + timeout
        // Wakes the waiter at the deadline, so that a condition that never comes fails the test instead of hanging.
        let timer = Task {
            try? await Task.sleep(until: deadline)
            self.update { _ in }
        }
        defer { timer.cancel() }
        await withCheckedContinuation { continuation in
            let now = self.state.withLock { state -> Bool in
                if met(state) { return true }
                state.waiters.append(({ met($0) || ContinuousClock.now >= deadline }, continuation))
                return false
            }
            if now { continuation.resume() }
        }
        if !self.state.withLock({ met($0) }) {
            Issue.record(
                "timed out; frames: \(self.types), closed: \(String(describing: self.closeCode))",
                sourceLocation: sourceLocation)
        }
    }

    /// The first frame of `type` after waiting for it.
    func next(_ type: String, sourceLocation: SourceLocation = #_sourceLocation) async -> JSONValue? {
        await self.wait(sourceLocation: sourceLocation) { frames, _ in
            frames.contains { $0["type"]?.stringValue == type }
        }
        return self.frames.first { $0["type"]?.stringValue == type }
    }

    private func update(_ change: (inout State) -> Void) {
        let ready = self.state.withLock { state -> [CheckedContinuation<Void, Never>] in
            change(&state)
            let snapshot = state
            let (ready, waiting) = (
                state.waiters.filter { $0.condition(snapshot) }, state.waiters.filter { !$0.condition(snapshot) }
            )
            state.waiters = waiting
            return ready.map(\.continuation)
        }
        for continuation in ready { continuation.resume() }
    }
}

/// The in-memory service with a manual clock, a real event loop for the sessions (no sockets) and the hub on the bus.
struct SessionHarness {
    static let start = Date(timeIntervalSince1970: 1_795_255_200)
    let clock = ManualClock(Self.start)
    let database = InMemoryDatabase()
    let bus = InMemoryEventBus()
    let presence = InMemoryPresenceRegistry()
    let loop: EventLoop
    let deps: Dependencies
    let services: Services
    let hub: RoomHub

    static let owner = Principal(
        userID: UserID("op@example.com"), displayName: "林小明", isAdmin: false, tokenID: "t-op",
        tokenExpiresAt: Self.start.addingTimeInterval(8 * 3600))
    static let editor = Principal(
        userID: UserID("maint@example.com"), displayName: "Maintenance Mike", isAdmin: false, tokenID: "t-maint",
        tokenExpiresAt: Self.start.addingTimeInterval(8 * 3600))

    init() async throws {
        self.loop = try EventLoop(index: 50)
        self.loop.start()
        let tokens = try HMACTokenService(
            keyring: try TokenKeyring(secret: "a-test-secret-that-is-at-least-32-bytes-long", secrets: nil))
        self.deps = Dependencies(
            users: InMemoryUserStore(database: self.database), rooms: InMemoryRoomStore(database: self.database),
            messages: InMemoryMessageStore(database: self.database),
            files: InMemoryFileStore(database: self.database),
            notifications: InMemoryNotificationStore(database: self.database),
            revocations: InMemoryRevocationStore(database: self.database), directory: InMemoryDirectory(people: []),
            tokens: tokens, objects: InMemoryObjectStorage(), bus: self.bus, presence: self.presence, clock: self.clock)
        let metrics = Metrics()
        self.services = Services(
            deps: self.deps, reportTimeZone: TimeZone(identifier: "Asia/Taipei")!, admission: .init(),
            log: Logger(minimum: .error), metrics: metrics)
        let hub = RoomHub(events: self.services.events, metrics: metrics, clock: self.clock)
        await self.bus.subscribe { hub.handle($0) }
        self.hub = hub
    }

    func shutdown() {
        self.loop.stopAndJoin()
    }

    /// A room opened by `owner`, with `editor` as EDITOR.
    func room() async throws -> RoomID {
        let view = try await self.services.createRoom(
            .init(title: "Press 4 hydraulic leak", incidentType: .equipmentFailure, severity: .high),
            by: Self.owner)
        _ = try await self.services.addMember(Self.editor.userID, role: .editor, to: view.room.id, by: Self.owner)
        return view.room.id
    }

    /// A session of `principal` in `room`, opened on a fake connection.
    func open(
        _ room: RoomID, as principal: Principal, resume: RoomSession.Resume? = nil
    ) async throws -> (RoomSession, FakeConnection) {
        let ticket = try self.services.admission.admit(address: "192.0.2.1", user: principal.userID, room: room)
        let session = RoomSession(
            roomID: room, principal: principal, resume: resume, services: self.services, hub: self.hub,
            loop: self.loop, ticket: ticket)
        let connection = FakeConnection()
        await session.open(connection)
        return (session, connection)
    }

    /// The client's event `json`, as one read.
    static func event(_ json: String) -> [WebSocketMessage] {
        [.text(Array(json.utf8))]
    }
}
