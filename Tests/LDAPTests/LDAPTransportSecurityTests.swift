import Application
import Domain
import Foundation
import LDAP
import TestSupport
import Testing

/// ldaps:// and StartTLS against the test directory's own CA: the certificate is always verified.
@Suite(TestEnvironment.requires("TEST_LDAPS_URL"))
struct LDAPTransportSecurityTests {
    @Test func ldapsWithTheDirectorysCA() async throws {
        let configuration = try TestDirectory.configuration(
            url: try TestEnvironment.require("TEST_LDAPS_URL"),
            caCertificateFile: try TestEnvironment.require("TEST_LDAP_CA_FILE")
        )
        #expect(configuration.isEncrypted)
        let entry = try await LDAPUserDirectory(configuration: configuration).authenticate(
            username: "alice",
            password: TestDirectory.alicePassword
        )
        #expect(entry.isAdmin)
    }

    @Test func ldapsWithAnUntrustedCertificateIsRefused() async throws {
        // The system's CA store does not know the test CA: the handshake must fail, not fall back to trusting it.
        let configuration = try TestDirectory.configuration(url: try TestEnvironment.require("TEST_LDAPS_URL"))
        let directory = LDAPUserDirectory(configuration: configuration)
        await #expect(throws: DomainError.directoryUnavailable) {
            try await directory.authenticate(username: "alice", password: TestDirectory.alicePassword)
        }
    }

    @Test func startTLSWithTheDirectorysCA() async throws {
        let configuration = try TestDirectory.configuration(
            startTLS: true,
            caCertificateFile: try TestEnvironment.require("TEST_LDAP_CA_FILE")
        )
        #expect(configuration.isEncrypted)
        let entry = try await LDAPUserDirectory(configuration: configuration).authenticate(
            username: "linxm",
            password: "林-密碼-2024"
        )
        #expect(entry.displayName == "林小明")
    }

    @Test func startTLSWithAnUntrustedCertificateIsRefused() async throws {
        let configuration = try TestDirectory.configuration(startTLS: true)
        await expectFailure(
            .tlsFailure,
            .directoryUnavailable,
            directory: LDAPUserDirectory(configuration: configuration),
            username: "alice",
            password: TestDirectory.alicePassword
        )
    }

    @Test func startTLSOnAPortWithoutTLSIsRefused() async throws {
        // ldaps:// port spoken to as plain LDAP: no silent downgrade to a clear-text bind.
        let url = try TestEnvironment.require("TEST_LDAPS_URL").replacingOccurrences(of: "ldaps://", with: "ldap://")
        let configuration = try TestDirectory.configuration(
            url: url,
            startTLS: true,
            caCertificateFile: try TestEnvironment.require("TEST_LDAP_CA_FILE"),
            timeout: .seconds(2)
        )
        let directory = LDAPUserDirectory(configuration: configuration)
        await #expect(throws: DomainError.directoryUnavailable) {
            try await directory.authenticate(username: "alice", password: TestDirectory.alicePassword)
        }
    }
}
