import Application
import Foundation

/// The server's own settings (HOST, PORT, REPORT_TIMEZONE) and command-line options.
///
/// Each adapter reads and checks its own settings (DATABASE_URL and DB_*, JWT_*, LDAP_*, S3_*) from the same
/// environment; a missing or invalid setting stops the server at start with one line that names it.
struct Configuration: Sendable {
    enum Store: String, Sendable {
        case memory, postgres
    }

    var host = "0.0.0.0"
    var port = 8000
    var store = Store.postgres
    var reportTimeZone = TimeZone(identifier: "Asia/Taipei")!
    /// `--message-rate`: messages a second per user (burst twice that), for load tests where a few connections
    /// stand for many people; nil keeps API.md's limit (`RateLimits`).
    var messageRate: Double?
    /// Signs people in against a built-in list of demo users instead of LDAP (a quick look with no services).
    var demoDirectory = false

    /// The connection caps (docs/SECURITY.md): over them a new connection or upgrade gets 503, too many upgrade
    /// attempts from one address 429, and the connections already open carry on.
    struct Limits: Sendable, Equatable {
        /// `MAX_CONNECTIONS`: open TCP connections in the process (HTTP and WebSocket).
        var connections = 10_000
        /// `MAX_CONNECTIONS_PER_ADDRESS`, `MAX_SOCKETS_PER_USER`, `MAX_SOCKETS_PER_ROOM`, `UPGRADES_PER_SECOND`:
        /// WebSockets per client address, per user and per room, and upgrade attempts a second per address.
        var sockets = ConnectionAdmission.Limits()
    }

    var limits = Limits()

    /// `TRUSTED_PROXIES`: whose `X-Forwarded-For` / `X-Real-IP` name the client (default: nobody's).
    var trustedProxies = TrustedProxies()

    /// Reads the environment; `arguments` may override the store (`--store memory`) and enable test endpoints.
    init(environment: [String: String], arguments: [String]) throws(InvalidSetting) {
        func value(_ name: String) -> String? {
            guard let value = environment[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
                return nil
            }
            return value
        }
        func integer(_ name: String, _ range: ClosedRange<Int>) throws(InvalidSetting) -> Int? {
            guard let text = value(name) else { return nil }
            guard let number = Int(text), range.contains(number) else {
                throw InvalidSetting(
                    name: name,
                    reason: "must be a whole number in \(range.lowerBound)...\(range.upperBound), got \"\(text)\"")
            }
            return number
        }

        self.host = value("HOST") ?? self.host
        self.port = try integer("PORT", 0...65535) ?? self.port
        self.limits.connections = try integer("MAX_CONNECTIONS", 1...1_000_000) ?? self.limits.connections
        self.limits.sockets.perAddress =
            try integer("MAX_CONNECTIONS_PER_ADDRESS", 1...1_000_000) ?? self.limits.sockets.perAddress
        self.limits.sockets.perUser = try integer("MAX_SOCKETS_PER_USER", 1...100_000) ?? self.limits.sockets.perUser
        self.limits.sockets.perRoom = try integer("MAX_SOCKETS_PER_ROOM", 1...1_000_000) ?? self.limits.sockets.perRoom
        if let rate = try integer("UPGRADES_PER_SECOND", 1...100_000) {
            self.limits.sockets.attemptsPerSecond = Double(rate)
        }
        if let proxies = value("TRUSTED_PROXIES") {
            self.trustedProxies = try TrustedProxies(parsing: proxies)
        }
        if let zone = value("REPORT_TIMEZONE") {
            guard let timeZone = TimeZone(identifier: zone) else {
                throw InvalidSetting(name: "REPORT_TIMEZONE", reason: "is not a known time zone: \"\(zone)\"")
            }
            self.reportTimeZone = timeZone
        }

        var arguments = arguments[...]
        var unsafeDemo = false
        while let argument = arguments.popFirst() {
            switch argument {
            case "--store":
                guard let name = arguments.popFirst(), let store = Store(rawValue: name) else {
                    throw InvalidSetting(name: "--store", reason: "must be memory or postgres")
                }
                self.store = store
            case "--message-rate":
                guard let text = arguments.popFirst(), let rate = Double(text), rate >= 1, rate <= 1_000_000 else {
                    throw InvalidSetting(
                        name: "--message-rate", reason: "must be a number of messages a second (1 or more)")
                }
                self.messageRate = rate
            case "--demo-directory":
                self.demoDirectory = true
            case "--unsafe-demo":
                unsafeDemo = true
            default:
                throw InvalidSetting(name: argument, reason: "is not an option (see README.md)")
            }
        }
        // The demo users (alice/alicepw is an admin) must never sign anyone in to a plant's real audit trail by a
        // forgotten flag: with the PostgreSQL store they take a second, explicit one.
        if self.demoDirectory, self.store == .postgres, !unsafeDemo {
            throw InvalidSetting(
                name: "--demo-directory",
                reason: "signs anyone in as the built-in demo users (alice/alicepw is an admin): use it with"
                    + " --store memory, or add --unsafe-demo to use it with the PostgreSQL store for tests")
        }
    }
}
