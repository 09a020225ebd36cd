/// A token setting that cannot be used; the server prints it and stops at start.
///
/// Names the setting and says what is wrong with it, never its value: the value may be a secret.
package struct JWTConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The environment variable, e.g. `JWT_SECRET`.
    package var setting: String
    package var reason: String

    package init(setting: String, reason: String) {
        self.setting = setting
        self.reason = reason
    }

    package var description: String { "\(self.setting): \(self.reason)" }
}
