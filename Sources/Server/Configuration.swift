import Foundation

/// The service's settings, read from the environment (API.md, Configuration) with their defaults.
///
/// A missing or invalid setting stops the server at start with one line that names it.
struct Configuration: Sendable {
    enum Store: String, Sendable {
        case memory, postgres
    }

    struct Invalid: Error, CustomStringConvertible {
        var setting: String
        var reason: String
        var description: String { "configuration: \(self.setting) \(self.reason)" }
    }

    var host = "0.0.0.0"
    var port = 8000
    var store = Store.postgres
    var databaseURL: String?
    var poolSize = 20
    var poolOverflow = 30
    var poolTimeout: TimeInterval = 10
    var poolRecycle: TimeInterval = 1800
    /// (kid, secret) pairs; the first signs, all verify.
    var jwtSecrets: [(kid: String, secret: String)] = []
    var jwtTTL: TimeInterval = 8 * 3600
    var reportTimeZone = TimeZone(identifier: "Asia/Taipei")!
    var ldapURL: String?
    var ldapBindDN = ""
    var ldapBindPassword = ""
    var ldapBaseDN = ""
    var ldapUserFilter = "(|(sAMAccountName={u})(userPrincipalName={u})(mail={u})(uid={u}))"
    var ldapAdminGroup = ""
    var ldapStartTLS = false
    var s3Endpoint: String?
    var s3Region = "us-east-1"
    var s3Bucket = "incident-files"
    var s3AccessKey = ""
    var s3SecretKey = ""
    /// Enables `/ws/echo` and `/ws/bench/{room}` for Autobahn and the transport bench; never in production.
    var testEndpoints = false
    /// Seeds demo users and skips the directory in `--store memory` mode.
    var demoUsers = false

    /// Reads the environment; `arguments` may override the store (`--store memory`) and enable test endpoints.
    init(environment: [String: String], arguments: [String]) throws(Invalid) {
        func value(_ name: String) -> String? {
            guard let value = environment[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
            return value
        }
        func integer(_ name: String, _ range: ClosedRange<Int>) throws(Invalid) -> Int? {
            guard let text = value(name) else { return nil }
            guard let number = Int(text), range.contains(number) else {
                throw Invalid(setting: name, reason: "must be a whole number in \(range.lowerBound)...\(range.upperBound), got \"\(text)\"")
            }
            return number
        }
        func duration(_ name: String) throws(Invalid) -> TimeInterval? {
            guard let text = value(name) else { return nil }
            guard let seconds = Self.parseDuration(text), seconds > 0 else {
                throw Invalid(setting: name, reason: "must be a duration like 3600, 30m or 8h, got \"\(text)\"")
            }
            return seconds
        }

        self.host = value("HOST") ?? self.host
        self.port = try integer("PORT", 0...65535) ?? self.port
        self.databaseURL = value("DATABASE_URL")
        self.poolSize = try integer("DB_POOL_SIZE", 1...1000) ?? self.poolSize
        self.poolOverflow = try integer("DB_MAX_OVERFLOW", 0...1000) ?? self.poolOverflow
        self.poolTimeout = try duration("DB_POOL_TIMEOUT") ?? self.poolTimeout
        self.poolRecycle = try duration("DB_POOL_RECYCLE") ?? self.poolRecycle
        self.jwtTTL = try duration("JWT_TTL") ?? self.jwtTTL
        if let zone = value("REPORT_TIMEZONE") {
            guard let timeZone = TimeZone(identifier: zone) else {
                throw Invalid(setting: "REPORT_TIMEZONE", reason: "is not a known time zone: \"\(zone)\"")
            }
            self.reportTimeZone = timeZone
        }
        self.ldapURL = value("LDAP_URL")
        self.ldapBindDN = value("LDAP_BIND_DN") ?? ""
        self.ldapBindPassword = environment["LDAP_BIND_PASSWORD"] ?? ""
        self.ldapBaseDN = value("LDAP_BASE_DN") ?? ""
        self.ldapUserFilter = value("LDAP_USER_FILTER") ?? self.ldapUserFilter
        self.ldapAdminGroup = value("LDAP_ADMIN_GROUP") ?? ""
        self.ldapStartTLS = try Self.flag(value("LDAP_START_TLS"), name: "LDAP_START_TLS")
        self.s3Endpoint = value("S3_ENDPOINT")
        self.s3Region = value("S3_REGION") ?? self.s3Region
        self.s3Bucket = value("S3_BUCKET") ?? self.s3Bucket
        self.s3AccessKey = value("S3_ACCESS_KEY") ?? ""
        self.s3SecretKey = environment["S3_SECRET_KEY"] ?? ""

        var arguments = arguments[...]
        while let argument = arguments.popFirst() {
            switch argument {
            case "--store":
                guard let name = arguments.popFirst(), let store = Store(rawValue: name) else {
                    throw Invalid(setting: "--store", reason: "must be memory or postgres")
                }
                self.store = store
            case "--test-endpoints":
                self.testEndpoints = true
            case "--demo-users":
                self.demoUsers = true
            default:
                throw Invalid(setting: argument, reason: "is not an option (see README.md)")
            }
        }

        self.jwtSecrets = try Self.secrets(secret: environment["JWT_SECRET"], rotation: value("JWT_SECRETS"))
        if self.store == .postgres, self.databaseURL == nil {
            throw Invalid(setting: "DATABASE_URL", reason: "is required (or start with --store memory)")
        }
        if self.ldapURL == nil, !self.demoUsers {
            throw Invalid(setting: "LDAP_URL", reason: "is required (or start with --store memory --demo-users)")
        }
    }

    /// `JWT_SECRETS` (`kid:secret,...`, the first signs) or `JWT_SECRET` (kid "default"); each at least 32 bytes.
    private static func secrets(secret: String?, rotation: String?) throws(Invalid) -> [(kid: String, secret: String)] {
        var secrets: [(kid: String, secret: String)] = []
        if let rotation {
            for entry in rotation.split(separator: ",") {
                guard let colon = entry.firstIndex(of: ":"), colon != entry.startIndex else {
                    throw Invalid(setting: "JWT_SECRETS", reason: "must be kid:secret pairs separated by commas")
                }
                let kid = String(entry[..<colon]).trimmingCharacters(in: .whitespaces)
                let value = String(entry[entry.index(after: colon)...])
                guard value.utf8.count >= 32 else {
                    throw Invalid(setting: "JWT_SECRETS", reason: "secret of kid \"\(kid)\" is shorter than 32 bytes")
                }
                secrets.append((kid, value))
            }
        }
        if let secret, !secret.isEmpty {
            guard secret.utf8.count >= 32 else {
                throw Invalid(setting: "JWT_SECRET", reason: "must be at least 32 bytes")
            }
            if !secrets.contains(where: { $0.secret == secret }) { secrets.append(("default", secret)) }
        }
        guard !secrets.isEmpty else {
            throw Invalid(setting: "JWT_SECRET", reason: "is required (at least 32 bytes)")
        }
        return secrets
    }

    private static func flag(_ text: String?, name: String) throws(Invalid) -> Bool {
        switch text?.lowercased() {
        case nil, "0", "false", "no", "off": return false
        case "1", "true", "yes", "on": return true
        case let other?: throw Invalid(setting: name, reason: "must be true or false, got \"\(other)\"")
        }
    }

    /// `3600`, `90s`, `30m`, `8h`, `1d`.
    static func parseDuration(_ text: String) -> TimeInterval? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        if let last = text.last, let unit = units[last], let number = Double(text.dropLast()) {
            return number * unit
        }
        return Double(text)
    }
}
