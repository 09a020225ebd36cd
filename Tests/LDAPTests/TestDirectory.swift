import Application
import Domain
import Foundation
import LDAP
import TestSupport
import Testing

/// The test directory that scripts/services/ldap.sh starts (Config/ldap/test.ldif).
enum TestDirectory {
    static let alicePassword = "alice-test-password"

    static func configuration(
        url: String? = nil,
        startTLS: Bool = false,
        bindPassword: String? = nil,
        baseDN: String? = nil,
        adminGroup: String?? = nil,
        caCertificateFile: String? = nil,
        timeout: Duration = .seconds(5),
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> LDAPConfiguration {
        try LDAPConfiguration(
            url: url ?? TestEnvironment.require("TEST_LDAP_URL", sourceLocation: sourceLocation),
            startTLS: startTLS,
            bindDN: TestEnvironment.require("TEST_LDAP_BIND_DN", sourceLocation: sourceLocation),
            bindPassword: bindPassword
                ?? TestEnvironment.require("TEST_LDAP_BIND_PASSWORD", sourceLocation: sourceLocation),
            baseDN: baseDN ?? TestEnvironment.require("TEST_LDAP_BASE_DN", sourceLocation: sourceLocation),
            adminGroup: adminGroup ?? TestEnvironment.require("TEST_LDAP_ADMIN_GROUP", sourceLocation: sourceLocation),
            caCertificateFile: caCertificateFile,
            timeout: timeout
        )
    }

    static func directory(_ configuration: LDAPConfiguration) -> LDAPUserDirectory {
        LDAPUserDirectory(configuration: configuration)
    }

    static func directory(sourceLocation: SourceLocation = #_sourceLocation) throws -> LDAPUserDirectory {
        LDAPUserDirectory(configuration: try Self.configuration(sourceLocation: sourceLocation))
    }
}

/// Expects `body` to fail with `code`, and the port to report `domainError`.
func expectFailure(
    _ code: LDAPDirectoryError.Code,
    _ domainError: DomainError,
    directory: LDAPUserDirectory,
    username: String,
    password: String,
    sourceLocation: SourceLocation = #_sourceLocation
) async {
    do {
        let entry = try await directory.signIn(username: username, password: password)
        Issue.record("signed in as \(entry.distinguishedName)", sourceLocation: sourceLocation)
    } catch {
        #expect(error.code == code, "\(String(reflecting: error))", sourceLocation: sourceLocation)
        #expect(error.domainError == domainError, sourceLocation: sourceLocation)
    }
    await #expect(throws: domainError, sourceLocation: sourceLocation) {
        try await directory.authenticate(username: username, password: password)
    }
}
