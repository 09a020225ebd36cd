import Foundation
package import Testing

/// Where the real services that `scripts/test` started are listening, from the environment it exports.
///
/// On a laptop a test whose service is missing is skipped; under CI (`CI=true`) a missing service is a failure,
/// because CI must prove that the real adapters work.
package enum TestEnvironment {
    package static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    package static func value(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }

    /// `postgres://...` of a throwaway database (scripts/services/postgres.sh).
    package static var databaseURL: String? { Self.value("TEST_DATABASE_URL") }
    /// `ldap://127.0.0.1:PORT` of the test slapd (scripts/services/ldap.sh).
    package static var ldapURL: String? { Self.value("TEST_LDAP_URL") }
    /// `http://127.0.0.1:PORT` of the test S3 server (scripts/services/s3.sh).
    package static var s3Endpoint: String? { Self.value("TEST_S3_ENDPOINT") }

    /// A trait that runs the test when `variable` is set, and under CI always (so a missing service fails it).
    package static func requires(_ variable: String) -> ConditionTrait {
        .enabled("needs \(variable) (set by scripts/test)") { Self.isCI || Self.value(variable) != nil }
    }

    /// The value of `variable`, or a recorded failure under CI when it is missing.
    package static func require(
        _ variable: String, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> String {
        try #require(
            Self.value(variable), "\(variable) is not set: scripts/test starts this service",
            sourceLocation: sourceLocation)
    }
}
