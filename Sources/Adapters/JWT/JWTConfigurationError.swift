/// A token setting that cannot be used; the server prints it and stops at start.
///
/// Names the setting and says what is wrong with it, never its value: the value may be a secret.
package struct JWTConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The environment variable, e.g. `JWT_SECRET`.
    package var setting: String
    /// What is wrong, never the value.
    package var reason: String

    /// An error about `setting`; `reason` must not quote its value.
    package init(setting: String, reason: String) {
        self.setting = setting
        self.reason = reason
    }

    /// `SETTING: reason`, the one line the server prints before stopping.
    package var description: String { "\(self.setting): \(self.reason)" }
}
