/// A setting from the environment or the command line that cannot be used; the server prints it and stops at start.
///
/// Every adapter checks its own settings (DATABASE_URL and DB_*, JWT_*, LDAP_*, S3_*) and the server its own, and all
/// of them report with this one type. It names the setting and says what is wrong, never its value: the value may be
/// a secret.
package struct InvalidSetting: Error, Hashable, Sendable, CustomStringConvertible {
    /// The environment variable or option, e.g. `JWT_SECRET` or `--store`.
    package var name: String
    /// What is wrong, never the value.
    package var reason: String

    /// An error about `name`; `reason` must not quote a secret value.
    package init(name: String, reason: String) {
        self.name = name
        self.reason = reason
    }

    /// `NAME: reason`, the one line the server prints before stopping.
    package var description: String { "\(self.name): \(self.reason)" }
}
