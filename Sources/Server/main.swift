import Application
import Domain
import Foundation
import InMemory
import JWT
import LDAP
import Postgres
import S3

// The composition root: reads the settings, builds the adapters, hands them to the use cases, serves.
// `incidentd migrate` applies the database migrations and exits.

// A client that disconnects mid-write must be an error on that connection, never a signal that ends the process.
signal(SIGPIPE, SIG_IGN)
let log = Logger()
let environment = ProcessInfo.processInfo.environment
var arguments = Array(CommandLine.arguments.dropFirst())
let migrateOnly = arguments.first == "migrate"
if migrateOnly { arguments.removeFirst() }

/// Stops the process with one line naming the problem (API.md: a bad setting stops the server at start).
func fail(_ message: String) -> Never {
    log.flush()
    FileHandle.standardError.write(Data("incidentd: \(message)\n".utf8))
    exit(2)
}

do {
    let configuration: Configuration
    do {
        configuration = try Configuration(environment: environment, arguments: arguments)
    } catch {
        fail(error.description)
    }

    let presence: any PresenceRegistry
    let bus: any RoomEventBus
    var stores:
        (
            users: any UserStore, rooms: any RoomStore, messages: any MessageStore, files: any FileStore,
            notifications: any NotificationStore, revocations: any RevocationStore
        )
    switch configuration.store {
    case .memory:
        if migrateOnly { fail("migrate needs the PostgreSQL store (DATABASE_URL)") }
        let database = InMemoryDatabase()
        stores = (
            InMemoryUserStore(database: database), InMemoryRoomStore(database: database),
            InMemoryMessageStore(database: database), InMemoryFileStore(database: database),
            InMemoryNotificationStore(database: database), InMemoryRevocationStore(database: database)
        )
        bus = InMemoryEventBus()
        presence = InMemoryPresenceRegistry()
    case .postgres:
        let postgres: PostgresConfiguration
        do { postgres = try PostgresConfiguration(environment: environment) } catch { fail(error.description) }
        let pool = PostgresPool(configuration: postgres)
        let applied = try await PostgresMigrator(pool: pool).migrate()
        log.info("migrated", ["applied": applied.map(String.init).joined(separator: ",")])
        if migrateOnly { exit(0) }
        let postgresStores = PostgresStores(pool: pool)
        stores = (
            postgresStores.users, postgresStores.rooms, postgresStores.messages, postgresStores.files,
            postgresStores.notifications, postgresStores.revocations
        )
        // Processes that share the database share rooms: live events cross over LISTEN/NOTIFY.
        bus = PostgresEventBus(url: postgres.url) { payload, untold in
            log.warning("bus_payload_dropped", ["payload": payload, "untold_before": String(untold)])
        }
        // And presence: who is online anywhere, typing anywhere; a killed process's users leave within 30 s.
        presence = PostgresPresenceRegistry(pool: pool) { error in
            log.warning("presence_unavailable", ["reason": String(describing: error)])
        }
    }

    let tokens: HMACTokenService
    do { tokens = try HMACTokenService(environment: environment) } catch { fail(error.description) }

    let directory: any UserDirectory
    if configuration.demoDirectory {
        directory = InMemoryDirectory(people: InMemoryDirectory.demoPeople + InMemoryDirectory.benchPeople(count: 1000))
    } else {
        let ldap: LDAPConfiguration
        do { ldap = try LDAPConfiguration(environment: environment) } catch { fail(error.description) }
        if !ldap.isEncrypted {
            // Allowed (a lab directory), but never silently: every sign-in sends a password over this connection.
            log.warning(
                "directory_unencrypted",
                ["reason": "LDAP_URL is ldap:// without LDAP_START_TLS: passwords cross the network in clear"])
        }
        directory = LDAPUserDirectory(configuration: ldap) { failure in
            log.warning("directory_refused", ["reason": failure.description])
        }
    }

    let objects: any ObjectStorage
    if environment["S3_ENDPOINT"].map({ !$0.isEmpty }) ?? false {
        let s3: S3Configuration
        do { s3 = try S3Configuration(environment: environment) } catch { fail(error.description) }
        objects = S3ObjectStorage(configuration: s3)
        do {
            try await objects.prepare()
        } catch {
            // Chat keeps working without storage; uploads answer 503 until it is back.
            log.warning("storage_unavailable", ["bucket": s3.bucket])
        }
    } else if configuration.store == .memory {
        objects = InMemoryObjectStorage()
    } else {
        fail("S3_ENDPOINT is required (or start with --store memory)")
    }

    let deps = Dependencies(
        users: stores.users, rooms: stores.rooms, messages: stores.messages, files: stores.files,
        notifications: stores.notifications, revocations: stores.revocations, directory: directory, tokens: tokens,
        objects: objects, bus: bus, presence: presence, ids: TimeOrderedIDGenerator(),
        limits: configuration.messageRate.map { RateLimits(messagesPerSecond: $0) } ?? RateLimits())
    // The web page (Web/ and the JavaScript client), read once here, before serving.
    let webRoot = StaticSite.root(environment: environment, executable: CommandLine.arguments[0])
    let webSite = webRoot.map { root in
        StaticSite.load(
            root: root,
            clientModule: environment["WEB_CLIENT_JS"].map { URL(fileURLWithPath: $0) }
                ?? root.deletingLastPathComponent().appendingPathComponent("Clients/js/incident-rooms.js"),
            imageOrigins: (environment["S3_ENDPOINT"]).flatMap(StaticSite.origin(of:)).map { [$0] } ?? [])
    }
    if let webRoot, let webSite {
        log.info("web_page", ["root": webRoot.path, "files": String(webSite.assets.count)])
    } else {
        log.warning("web_page_missing", ["reason": "no Web/ folder found; set WEB_ROOT"])
    }
    let server = try await IncidentServer(
        deps: deps, host: configuration.host, port: configuration.port, reportTimeZone: configuration.reportTimeZone,
        limits: configuration.limits, log: log, site: webSite, proxies: configuration.trustedProxies)
    await server.runUntilSignalled()
    log.info("stopped")
    log.flush()
} catch {
    fail("cannot start: \(error)")
}
