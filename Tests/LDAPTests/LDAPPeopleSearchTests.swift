import Application
import Domain
import Foundation
import LDAP
import TestSupport
import Testing

/// The people search (`GET /api/users`) against the real slapd of scripts/services/ldap.sh (Config/ldap/test.ldif).
@Suite(TestEnvironment.requires("TEST_LDAP_URL"))
struct LDAPPeopleSearchTests {
    func search(_ text: String, limit: Int = 20) async throws -> [DirectoryPerson] {
        try await TestDirectory.directory().searchPeople(matching: text, limit: limit)
    }

    @Test func findsByDisplayNameAccountNameOrMailIgnoringCase() async throws {
        let bob = DirectoryPerson(displayName: "Bob Brown", email: "bob@example.com", accountName: "bob")
        #expect(try await self.search("BROWN") == [bob])
        #expect(try await self.search("ob@exam") == [bob])
        #expect(try await self.search("bo") == [bob])
        // Lin's account name is linxm; her display name is Chinese, found as escaped UTF-8.
        let lin = try await self.search("linx")
        #expect(lin.map(\.email) == ["lin.xiaoming@example.com"])
        #expect(lin.first?.displayName == "林小明")
        #expect(try await self.search("小明").map(\.email) == ["lin.xiaoming@example.com"])
        // Carol has neither mail nor displayName: her UPN is the e-mail, cn the name.
        #expect(
            try await self.search("caro")
                == [DirectoryPerson(displayName: "Carol Clark", email: "carol@corp.example.com", accountName: "carol")])
    }

    @Test func entriesWithoutAnEmailAreLeftOutAndGroupsAreNotPeople() async throws {
        // "No Password" and "Back Slash" have no mail and no UPN; "incident-admins" is a group; the service account
        // has neither uid nor mail.
        #expect(try await self.search("password").isEmpty)
        #expect(try await self.search("slash").isEmpty)
        #expect(try await self.search("admins").isEmpty)
        #expect(try await self.search("svc").isEmpty)
    }

    @Test(arguments: ["*", "a*", "*)(uid=*", "\\", "(", "a)(objectClass=*"])
    func filterCharactersAreSearchedForLiterallyNotObeyed(_ text: String) async throws {
        // Escaped as a login name is (RFC 4515): a `*` is a star, not a wildcard, and no clause can be added.
        #expect(try await self.search(text).isEmpty)
    }

    @Test func theSizeLimitCutsTheAnswerInsteadOfFailingIt() async throws {
        // "example.com" is in every mail: more entries than the limit asks for.
        let all = try await self.search("example.com", limit: 50)
        #expect(all.count >= 5)
        let two = try await self.search("example.com", limit: 2)
        #expect(two.count == 2)
        #expect(Set(two).isSubset(of: Set(all)))
    }

    @Test func aWrongServicePasswordOrADownDirectoryIsUnavailable() async throws {
        let refused = LDAPUserDirectory(configuration: try TestDirectory.configuration(bindPassword: "wrong"))
        await #expect(throws: DomainError.directoryUnavailable) {
            try await refused.searchPeople(matching: "bob", limit: 5)
        }
        let down = LDAPUserDirectory(
            configuration: try TestDirectory.configuration(
                url: "ldap://127.0.0.1:\(try unusedLoopbackPort())", timeout: .seconds(5)))
        let started = ContinuousClock.now
        await #expect(throws: DomainError.directoryUnavailable) {
            try await down.searchPeople(matching: "bob", limit: 5)
        }
        #expect(ContinuousClock.now - started < .seconds(5))
    }
}
