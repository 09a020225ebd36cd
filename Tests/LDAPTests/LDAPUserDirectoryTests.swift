import Application
import Domain
import Foundation
import LDAP
import TestSupport
import Testing

/// Sign-in against the real slapd of scripts/services/ldap.sh.
@Suite(TestEnvironment.requires("TEST_LDAP_URL"))
struct LDAPUserDirectoryTests {
    // MARK: - Good sign-ins

    @Test(arguments: ["alice", "ALICE", "alice@example.com", "alice@corp.example.com", "Alice@Example.com"])
    func adminSignsInByAnyOfTheirNames(_ username: String) async throws {
        let entry = try await TestDirectory.directory().authenticate(
            username: username,
            password: TestDirectory.alicePassword
        )
        #expect(entry.distinguishedName == "uid=alice,ou=people,dc=example,dc=com")
        #expect(entry.displayName == "Alice Anderson")
        #expect(entry.email == "alice@example.com")
        #expect(entry.isAdmin)
        #expect(
            Set(entry.groups.map { $0.lowercased() }) == [
                "cn=incident-admins,ou=groups,dc=example,dc=com", "cn=staff,ou=groups,dc=example,dc=com",
            ]
        )
    }

    @Test func memberOfOtherGroupsIsNotAdmin() async throws {
        let entry = try await TestDirectory.directory().authenticate(username: "bob", password: "bob-test-password")
        #expect(entry.displayName == "Bob Brown")
        #expect(entry.email == "bob@example.com")
        #expect(!entry.isAdmin)
        #expect(entry.groups.map { $0.lowercased() } == ["cn=staff,ou=groups,dc=example,dc=com"])
    }

    @Test(arguments: ["linxm", "lin", "林小明", "lin.xiaoming@example.com"])
    func chineseDisplayNameAndPassword(_ username: String) async throws {
        // The uid 林小明 is searched as escaped UTF-8 bytes; the password is non-ASCII too.
        let entry = try await TestDirectory.directory().authenticate(username: username, password: "林-密碼-2024")
        #expect(entry.distinguishedName == "uid=lin,ou=people,dc=example,dc=com")
        #expect(entry.displayName == "林小明")
        #expect(entry.email == "lin.xiaoming@example.com")
        #expect(!entry.isAdmin)
    }

    @Test func missingMailAndDisplayNameFallBack() async throws {
        // Carol has no mail and no displayName; her password is full of filter characters, sent as is.
        let entry = try await TestDirectory.directory().authenticate(
            username: "carol",
            password: #"p(a)ss*w\rd)(uid=*"#
        )
        #expect(entry.email == "carol@corp.example.com")
        #expect(entry.displayName == "Carol Clark")
        #expect(entry.groups.isEmpty)
        #expect(!entry.isAdmin)
    }

    @Test func backslashInANameStillMatchesItself() async throws {
        let entry = try await TestDirectory.directory().authenticate(
            username: #"back\slash"#,
            password: "backslash-test-password"
        )
        #expect(entry.displayName == "Back Slash")
        #expect(entry.distinguishedName.lowercased() == #"uid=back\5cslash,ou=people,dc=example,dc=com"#)
    }

    @Test func adminGroupIsComparedAsADistinguishedName() async throws {
        let configuration = try TestDirectory.configuration(
            adminGroup: "CN=Incident-Admins, OU=Groups,DC=Example,DC=COM"
        )
        let entry = try await LDAPUserDirectory(configuration: configuration).authenticate(
            username: "alice",
            password: TestDirectory.alicePassword
        )
        #expect(entry.isAdmin)
    }

    @Test func withoutAdminGroupNobodyIsAdmin() async throws {
        let configuration = try TestDirectory.configuration(adminGroup: .some(nil))
        let entry = try await LDAPUserDirectory(configuration: configuration).authenticate(
            username: "alice",
            password: TestDirectory.alicePassword
        )
        #expect(!entry.isAdmin)
    }

    // MARK: - Refusals

    @Test func wrongPassword() async throws {
        let directory = try TestDirectory.directory()
        await expectFailure(
            .invalidCredentials,
            .invalidCredentials,
            directory: directory,
            username: "alice",
            password: "wrong"
        )
        await expectFailure(
            .invalidCredentials,
            .invalidCredentials,
            directory: directory,
            username: "alice",
            password: TestDirectory.alicePassword.uppercased()
        )
        // Another user's password is just as wrong.
        await expectFailure(
            .invalidCredentials,
            .invalidCredentials,
            directory: directory,
            username: "alice",
            password: "bob-test-password"
        )
    }

    @Test func unknownUser() async throws {
        await expectFailure(
            .noSuchUser,
            .invalidCredentials,
            directory: try TestDirectory.directory(),
            username: "mallory",
            password: "anything"
        )
    }

    @Test func entryWithoutPasswordCannotSignIn() async throws {
        await expectFailure(
            .invalidCredentials,
            .invalidCredentials,
            directory: try TestDirectory.directory(),
            username: "nopassword",
            password: "anything"
        )
    }

    @Test func emptyPasswordIsRefusedBeforeAnyNetworkTraffic() async throws {
        // Pointed at a port where nothing listens: any attempt to connect would report the directory unavailable.
        let configuration = try TestDirectory.configuration(url: "ldap://127.0.0.1:\(try unusedLoopbackPort())")
        let directory = LDAPUserDirectory(configuration: configuration)
        await expectFailure(.refusedInput, .invalidCredentials, directory: directory, username: "alice", password: "")
        await expectFailure(.refusedInput, .invalidCredentials, directory: directory, username: "", password: "x")
        await expectFailure(
            .refusedInput,
            .invalidCredentials,
            directory: directory,
            username: String(repeating: "a", count: 257),
            password: "x"
        )
        // And against the real directory, where a DN with an empty password would be an anonymous bind.
        await expectFailure(
            .refusedInput,
            .invalidCredentials,
            directory: try TestDirectory.directory(),
            username: "alice",
            password: ""
        )
    }

    @Test(arguments: [
        "*", "ali*", "*lice", "a*e", "alice)(uid=*", "alice)(|(uid=*", "admin)(|(uid=*", "*)(uid=*))(|(uid=*",
        "alice\u{0}", "alice\u{0})(uid=*", "alice\\", "alice\\2a", "\\2a", "alice)", "(alice", "alice))",
    ])
    func filterInjectionNeverSignsIn(_ username: String) async throws {
        // Alice's real password: an injected wildcard or clause that matched her entry would sign in.
        await expectFailure(
            .noSuchUser,
            .invalidCredentials,
            directory: try TestDirectory.directory(),
            username: username,
            password: TestDirectory.alicePassword
        )
    }

    @Test func ambiguousNameIsRefusedEvenWithTheRightPassword() async throws {
        await expectFailure(
            .ambiguousUser,
            .invalidCredentials,
            directory: try TestDirectory.directory(),
            username: "twins@example.com",
            password: "twin-test-password"
        )
        #expect(
            try await TestDirectory.directory().authenticate(username: "twin1", password: "twin-test-password")
                .displayName == "Twin One"
        )
    }

    // MARK: - Misconfiguration

    @Test func wrongServicePasswordIsTheDirectorysFault() async throws {
        let log = FailureLog()
        let configuration = try TestDirectory.configuration(bindPassword: "not-the-service-password")
        let directory = LDAPUserDirectory(configuration: configuration, onFailure: log.handler)
        await expectFailure(
            .serviceAccountRefused,
            .directoryUnavailable,
            directory: directory,
            username: "alice",
            password: TestDirectory.alicePassword
        )
        #expect(log.recorded.map(\.code) == [.serviceAccountRefused])
        #expect(log.recorded.first?.resultCode == 49)
    }

    @Test func missingBaseDNIsTheDirectorysFault() async throws {
        let configuration = try TestDirectory.configuration(baseDN: "dc=nowhere,dc=com")
        await expectFailure(
            .operationFailed,
            .directoryUnavailable,
            directory: LDAPUserDirectory(configuration: configuration),
            username: "alice",
            password: TestDirectory.alicePassword
        )
    }

    @Test func failuresAreReportedWithoutThePassword() async throws {
        let log = FailureLog()
        let directory = LDAPUserDirectory(configuration: try TestDirectory.configuration(), onFailure: log.handler)
        _ = try? await directory.authenticate(username: "alice", password: "hunter2-secret")
        _ = try? await directory.authenticate(username: "mallory", password: "hunter2-secret")
        #expect(log.recorded.map(\.code) == [.invalidCredentials, .noSuchUser])
        for error in log.recorded {
            #expect(!String(describing: error).contains("hunter2"))
            #expect(!String(reflecting: error).contains("hunter2"))
        }
        #expect(log.recorded.first?.resultCode == 49)
    }

    // MARK: - Concurrency

    @Test func concurrentSignInsEachGetTheirOwnAnswer() async throws {
        let directory = LDAPUserDirectory(configuration: try TestDirectory.configuration(), concurrency: 3)
        let cases: [(String, String, String?)] = [
            ("alice", TestDirectory.alicePassword, "Alice Anderson"), ("bob", "bob-test-password", "Bob Brown"),
            ("linxm", "林-密碼-2024", "林小明"), ("alice", "wrong", nil), ("bob", TestDirectory.alicePassword, nil),
        ]
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<40 {
                let (username, password, expected) = cases[index % cases.count]
                group.addTask {
                    let name = try? await directory.authenticate(username: username, password: password).displayName
                    return name == expected
                }
            }
            for try await correct in group { #expect(correct) }
        }
    }
}
