import HTTPCore
import Application
import Domain
import Foundation
import HTTPClient
import InMemory
import JWT
import Postgres
import TestSupport
import Testing
import Transport

@testable import Server

/// A real incidentd on a loopback port with in-memory adapters and a real HS256 token service, plus a client.
final class TestServer: Sendable {
    static let people: [InMemoryDirectory.Person] =
        [
            .init(username: "op", password: "pw", displayName: "林小明", email: "op@example.com"),
            .init(username: "maint", password: "pw", displayName: "Maintenance Mike", email: "maint@example.com"),
            .init(username: "quality", password: "pw", displayName: "Quality Quinn", email: "quality@example.com"),
            .init(username: "viewer", password: "pw", displayName: "Viewer Vera", email: "viewer@example.com"),
            .init(
                username: "admin", password: "pw", displayName: "Admin Ada", email: "admin@example.com", isAdmin: true),
            .init(username: "stranger", password: "pw", displayName: "Stranger Sam", email: "stranger@example.com"),
        ]
        + (1...30).map {
            .init(
                username: "worker\($0)", password: "pw", displayName: "Worker \($0)", email: "worker\($0)@example.com")
        }

    let server: IncidentServer
    /// The object storage behind uploads; tests can take it down.
    let objects = InMemoryObjectStorage()
    let client = HTTPClient()
    let base: String
    /// The loopback port it listens on.
    var port: Int { self.server.port }

    convenience init(_ kind: StoreKind = .memory, limits: Configuration.Limits = .init()) async throws {
        try await self.init(stores: kind.make(), limits: limits)
    }

    init(
        stores: StoreKit, limits: Configuration.Limits = .init(), site: StaticSite? = nil,
        proxies: TrustedProxies = TrustedProxies()
    ) async throws {
        let tokens = try HMACTokenService(keyring: Self.keyring)
        let deps = Dependencies(
            users: stores.users, rooms: stores.rooms, messages: stores.messages, files: stores.files,
            notifications: stores.notifications, revocations: stores.revocations,
            directory: InMemoryDirectory(people: Self.people), tokens: tokens, objects: self.objects,
            bus: stores.bus, presence: stores.presence)
        self.server = try await IncidentServer(
            deps: deps, host: "127.0.0.1", port: 0, reportTimeZone: TimeZone(identifier: "Asia/Taipei")!,
            limits: limits, log: Logger(minimum: .error), site: site, proxies: proxies)
        self.base = "http://127.0.0.1:\(self.server.port)"
    }

    func stop() async {
        await self.server.shutdown()
        self.client.shutdown()
    }

    /// A server for `body`, shut down when it returns or throws (in scope: no shutdown left running after a test).
    static func with<T>(
        _ kind: StoreKind = .memory, limits: Configuration.Limits = .init(), _ body: (TestServer) async throws -> T
    ) async throws -> T {
        try await Self.with(stores: try await kind.make(), limits: limits, body)
    }

    /// `with` serving the web page `site` (in-memory stores).
    static func with<T>(site: StaticSite, _ body: (TestServer) async throws -> T) async throws -> T {
        try await Self.scoped(TestServer(stores: try await StoreKind.memory.make(), site: site), body)
    }

    /// `with` behind the proxies `proxies` (in-memory stores).
    static func with<T>(proxies: TrustedProxies, _ body: (TestServer) async throws -> T) async throws -> T {
        try await Self.scoped(TestServer(stores: try await StoreKind.memory.make(), proxies: proxies), body)
    }

    /// `with` on given stores.
    static func with<T>(
        stores: StoreKit, limits: Configuration.Limits = .init(), _ body: (TestServer) async throws -> T
    ) async throws -> T {
        try await Self.scoped(TestServer(stores: stores, limits: limits), body)
    }

    /// Runs `body`, then shuts the server down whether it threw or not.
    private static func scoped<T>(_ server: TestServer, _ body: (TestServer) async throws -> T) async throws -> T {
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    static let keyring = try! TokenKeyring(secret: "a-test-secret-that-is-at-least-32-bytes-long", secrets: nil)

    /// A token of one of `people` that expires `seconds` from now (the server accepts it: same keyring).
    func shortLivedToken(for username: String, seconds: Int) async throws -> String {
        let person = try #require(Self.people.first { $0.username == username })
        let service = try HMACTokenService(keyring: Self.keyring, timeToLive: .seconds(seconds))
        let user = User(
            id: UserID(person.entry.email), displayName: person.entry.displayName, email: person.entry.email,
            isAdmin: false)
        return try service.issue(for: user, at: Date()).token
    }

    /// Signs in one of `people` and returns its token.
    func login(_ username: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let response = try await self.call(
            "POST", "/api/auth/login", body: ["username": .string(username), "password": .string("pw")])
        try #require(response.status == 200, "login of \(username): \(response.status)", sourceLocation: sourceLocation)
        return try #require(response.json["token"]?.stringValue, sourceLocation: sourceLocation)
    }

    /// One REST call; `body` is sent as JSON, `headers` besides.
    func call(
        _ method: String, _ path: String, token: String? = nil, body: JSONObject? = nil, raw: [UInt8]? = nil,
        headers extra: [(String, String)] = []
    ) async throws -> APIResponse {
        var headers = extra
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        var bytes: [UInt8]? = raw
        if let body { bytes = JSONWriter.encode(.object(body)) }
        if bytes != nil { headers.append(("Content-Type", "application/json")) }
        let response = try await self.client.request(
            method: method, url: self.base + path, headers: .init(headers), body: bytes)
        return APIResponse(status: response.status, body: response.body, retryAfter: response.headers["Retry-After"])
    }

    /// `POST /api/rooms/{room}/files` with one multipart part named `file`.
    func upload(_ roomID: String, token: String, filename: String, contentType: String, bytes: [UInt8]) async throws
        -> APIResponse
    {
        let boundary = "----incident-test-\(UUID().uuidString)"
        var body = Array(
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(filename)\"\r\nContent-Type: \(contentType)\r\n\r\n"
                .utf8)
        body += bytes
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        let response = try await self.client.request(
            method: "POST", url: self.base + "/api/rooms/\(roomID)/files",
            headers: .init([
                ("Authorization", "Bearer \(token)"), ("Content-Type", "multipart/form-data; boundary=\(boundary)"),
            ]),
            body: body)
        return APIResponse(status: response.status, body: response.body, retryAfter: response.headers["Retry-After"])
    }

    func socket(_ path: String, token: String) async throws -> WebSocketClient {
        try await WebSocketClient.connect(
            host: "127.0.0.1", port: self.server.port, path: path, headers: [("Authorization", "Bearer \(token)")])
    }
}

/// Which store adapters a test server runs on.
struct StoreKit: Sendable {
    var users: any UserStore
    var rooms: any RoomStore
    var messages: any MessageStore
    var files: any FileStore
    var notifications: any NotificationStore
    var revocations: any RevocationStore
    var bus: any RoomEventBus
    var presence: any PresenceRegistry
}

/// The store a scenario runs on: in memory, or the real PostgreSQL that scripts/test starts (with its
/// LISTEN/NOTIFY event bus), so the seed scenarios prove the whole service, not only its in-memory twin.
enum StoreKind: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case memory, postgres

    var testDescription: String { self.rawValue }

    func make(sourceLocation: SourceLocation = #_sourceLocation) async throws -> StoreKit {
        switch self {
        case .memory:
            let database = InMemoryDatabase()
            return StoreKit(
                users: InMemoryUserStore(database: database), rooms: InMemoryRoomStore(database: database),
                messages: InMemoryMessageStore(database: database), files: InMemoryFileStore(database: database),
                notifications: InMemoryNotificationStore(database: database),
                revocations: InMemoryRevocationStore(database: database), bus: InMemoryEventBus(),
                presence: InMemoryPresenceRegistry())
        case .postgres:
            let url = try TestEnvironment.require("TEST_DATABASE_URL", sourceLocation: sourceLocation)
            let pool = PostgresPool(configuration: PostgresConfiguration(url: url, poolSize: 8, maxOverflow: 8))
            try await PostgresMigrator(pool: pool).migrate()
            let stores = PostgresStores(pool: pool)
            return StoreKit(
                users: stores.users, rooms: stores.rooms, messages: stores.messages, files: stores.files,
                notifications: stores.notifications, revocations: stores.revocations,
                bus: PostgresEventBus(url: url), presence: PostgresPresenceRegistry(pool: pool))
        }
    }

    /// Every kind whose service is there; under CI both, so a missing PostgreSQL fails instead of skipping.
    static var available: [StoreKind] {
        TestEnvironment.isCI || TestEnvironment.databaseURL != nil ? [.memory, .postgres] : [.memory]
    }
}

struct APIResponse {
    var status: Int
    var body: [UInt8]
    var retryAfter: String?

    var json: JSONValue { (try? JSONParser().parse(self.body)) ?? .null }
    var text: String { String(decoding: self.body, as: UTF8.self) }
    var errorCode: String? { self.json["error"]?["code"]?.stringValue }
}

extension WebSocketClient {
    /// The next text event as JSON, failing the test on anything else.
    func event(timeout: Duration = .seconds(5), sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> JSONValue
    {
        let message = try await self.receive(timeout: timeout)
        guard case .text(let text) = message else {
            Issue.record("expected a text event, got \(message)", sourceLocation: sourceLocation)
            return .null
        }
        return try JSONParser().parse(text)
    }

    /// Reads events until one has `type`, returning it and what came before.
    func next(_ type: String, timeout: Duration = .seconds(5), sourceLocation: SourceLocation = #_sourceLocation)
        async throws -> JSONValue
    {
        for _ in 0..<10_000 {
            let event = try await self.event(timeout: timeout, sourceLocation: sourceLocation)
            if event["type"]?.stringValue == type { return event }
        }
        Issue.record("no \(type) event", sourceLocation: sourceLocation)
        return .null
    }

    func send(_ object: JSONObject) async throws {
        try await self.send(text: JSONWriter.string(.object(object)))
    }
}

extension JSONValue {
    subscript(index: Int) -> JSONValue? {
        guard case .array(let items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }

    var arrayValue: [JSONValue] {
        guard case .array(let items) = self else { return [] }
        return items
    }

    var intValue: Int? { self.numberValue.map { Int($0) } }
}
