import Application
import Domain
import Foundation
import LDAP
import Synchronization
import TestSupport
import Testing

/// The directory unreachable, stopped or hung: sign-in fails fast with `directoryUnavailable`, never hangs.
///
/// Time bounds are generous multiples of what is measured here (milliseconds for a refused connection): the whole
/// package's tests run in parallel on two cores, and a test resumes only when the cooperative pool has a thread.
/// "Fast" means well before the configured timeout, which is set long where a refusal is expected.
@Suite(TestEnvironment.requires("TEST_LDAP_URL"))
struct LDAPOutageTests {
    @Test func closedPortFailsFast() async throws {
        let configuration = try TestDirectory.configuration(
            url: "ldap://127.0.0.1:\(try unusedLoopbackPort())",
            timeout: .seconds(30)
        )
        let started = ContinuousClock.now
        await expectFailure(
            .unreachable,
            .directoryUnavailable,
            directory: LDAPUserDirectory(configuration: configuration),
            username: "alice",
            password: TestDirectory.alicePassword
        )
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func unresolvableHostIsUnavailable() async throws {
        // No time bound here: name resolution is the system resolver's, outside libldap's timeouts.
        let configuration = try TestDirectory.configuration(url: "ldap://directory.invalid:389", timeout: .seconds(1))
        await #expect(throws: DomainError.directoryUnavailable) {
            try await LDAPUserDirectory(configuration: configuration).authenticate(
                username: "alice",
                password: TestDirectory.alicePassword
            )
        }
    }

    /// A private slapd of this test alone (the shared one keeps serving the other tests): works, hangs, stops.
    @Test func stoppedOrHungDirectoryFailsWithinTheTimeout() async throws {
        let instance = try await ServiceInstance.start()
        defer { instance.stop() }
        let configuration = try TestDirectory.configuration(url: instance.url, timeout: .seconds(3))
        let directory = LDAPUserDirectory(configuration: configuration)
        let entry = try await directory.authenticate(username: "alice", password: TestDirectory.alicePassword)
        #expect(entry.isAdmin)

        // Hung: the kernel still accepts connections, but nothing answers; the operation timeout must end the wait.
        try instance.signal(SIGSTOP)
        var started = ContinuousClock.now
        // Four sign-ins hang at once, more than the cooperative pool has threads on a small machine: if libldap
        // blocked the callers' executor, the other work below could not run before some of them timed out.
        let finished = Counter()
        let hung = (0..<4).map { _ in
            Task {
                defer { finished.value.add(1, ordering: .relaxed) }
                _ = try await directory.authenticate(username: "alice", password: TestDirectory.alicePassword)
            }
        }
        await withTaskGroup(of: Int.self) { group in
            for value in 0..<16 { group.addTask { value } }
            await group.waitForAll()
        }
        #expect(finished.value.load(ordering: .relaxed) == 0)
        for task in hung {
            await #expect(throws: DomainError.directoryUnavailable) { try await task.value }
        }
        #expect(ContinuousClock.now - started < .seconds(9))
        try instance.signal(SIGCONT)
        let bob = try await directory.authenticate(username: "bob", password: "bob-test-password")
        #expect(bob.displayName == "Bob Brown")

        // Stopped: connections are refused at once, long before a timeout.
        instance.stop()
        let patient = LDAPUserDirectory(
            configuration: try TestDirectory.configuration(url: instance.url, timeout: .seconds(30))
        )
        started = ContinuousClock.now
        await expectFailure(
            .unreachable,
            .directoryUnavailable,
            directory: patient,
            username: "alice",
            password: TestDirectory.alicePassword
        )
        #expect(ContinuousClock.now - started < .seconds(5))
    }
}

/// A count shared with tasks.
private final class Counter: Sendable {
    let value = Atomic<Int>(0)
}
