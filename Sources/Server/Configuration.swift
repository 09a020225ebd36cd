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
    /// Messages a second per user (burst twice that). API.md sets 10; `--message-rate` raises it for load tests
    /// where a few connections stand for many people.
    var messageRate: Double = 10
    /// Signs people in against a built-in list of demo users instead of LDAP (a quick look with no services).
    var demoDirectory = false

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
        if let zone = value("REPORT_TIMEZONE") {
            guard let timeZone = TimeZone(identifier: zone) else {
                throw InvalidSetting(name: "REPORT_TIMEZONE", reason: "is not a known time zone: \"\(zone)\"")
            }
            self.reportTimeZone = timeZone
        }

        var arguments = arguments[...]
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
            default:
                throw InvalidSetting(name: argument, reason: "is not an option (see README.md)")
            }
        }
    }
}
