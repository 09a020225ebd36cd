import Application
import Domain
import Foundation
import LDAP
import TestSupport
import Testing

/// The directory unreachable, stopped or hung: sign-in fails fast with `directoryUnavailable`, never hangs.
@Suite(TestEnvironment.requires("TEST_LDAP_URL"))
struct LDAPOutageTests {
    @Test func closedPortFailsFast() async throws {
        let configuration = try TestDirectory.configuration(url: "ldap://127.0.0.1:\(try closedPort())")
        let started = ContinuousClock.now
        await expectFailure(
            .unreachable, .directoryUnavailable, directory: LDAPUserDirectory(configuration: configuration),
            username: "alice", password: TestDirectory.alicePassword)
        #expect(ContinuousClock.now - started < .seconds(2))
    }

    @Test func unresolvableHostFailsFast() async throws {
        let configuration = try TestDirectory.configuration(url: "ldap://directory.invalid:389", timeout: .seconds(1))
        let started = ContinuousClock.now
        await #expect(throws: DomainError.directoryUnavailable) {
            try await LDAPUserDirectory(configuration: configuration).authenticate(
                username: "alice", password: TestDirectory.alicePassword)
        }
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    /// A private slapd of this test alone (the shared one keeps serving the other tests): works, hangs, stops.
    @Test func stoppedOrHungDirectoryFailsWithinTheTimeout() async throws {
        let instance = try ServiceInstance.start()
        defer { instance.stop() }
        let configuration = try TestDirectory.configuration(url: instance.url, timeout: .seconds(1))
        let directory = LDAPUserDirectory(configuration: configuration)
        let entry = try await directory.authenticate(username: "alice", password: TestDirectory.alicePassword)
        #expect(entry.isAdmin)

        // Hung: the kernel still accepts connections, but nothing answers; the operation timeout must end the wait.
        try instance.signal(SIGSTOP)
        var started = ContinuousClock.now
        await #expect(throws: DomainError.directoryUnavailable) {
            try await directory.authenticate(username: "alice", password: TestDirectory.alicePassword)
        }
        #expect(ContinuousClock.now - started < .seconds(3))
        try instance.signal(SIGCONT)
        #expect(try await directory.authenticate(username: "bob", password: "bob-test-password").displayName == "Bob Brown")

        // Stopped: connections are refused at once.
        instance.stop()
        started = ContinuousClock.now
        await expectFailure(
            .unreachable, .directoryUnavailable, directory: directory, username: "alice",
            password: TestDirectory.alicePassword)
        #expect(ContinuousClock.now - started < .seconds(2))
    }
}

/// A second test directory run through scripts/services/ldap.sh with its own INCIDENT_LDAP_DIR.
struct ServiceInstance {
    var directory: String
    var url: String
    var script: String

    static func start(sourceLocation: SourceLocation = #_sourceLocation) throws -> ServiceInstance {
        let script =
            TestEnvironment.value("TEST_LDAP_SERVICE_SCRIPT")
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/services/ldap.sh").path
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("incident-ldap-outage-\(UUID().uuidString.prefix(8))").path
        let output = try Self.run(script, "up", directory: directory)
        let line = try #require(
            output.split(separator: "\n").first { $0.hasPrefix("export TEST_LDAP_URL=") }, sourceLocation: sourceLocation)
        return ServiceInstance(
            directory: directory, url: String(line.dropFirst("export TEST_LDAP_URL=".count)), script: script)
    }

    func signal(_ signal: Int32) throws {
        let text = try String(contentsOfFile: self.directory + "/slapd.pid", encoding: .utf8)
        let pid = try #require(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kill(pid, signal) == 0)
    }

    func stop() {
        _ = try? Self.run(self.script, "down", directory: self.directory)
    }

    /// Runs `ldap.sh command` for this instance and returns its stdout.
    ///
    /// posix_spawn and waitpid rather than Foundation's Process, whose waitUntilExit was seen to miss the exit of
    /// a child here and hang the test run.
    @discardableResult
    static func run(_ script: String, _ command: String, directory: String) throws -> String {
        let output = directory + ".\(command).out"
        defer { unlink(output) }
        let arguments = ["/bin/bash", "-c", "exec \"$0\" \"$1\" >\"$2\" 2>/dev/null", script, command, output]
        var environment = ProcessInfo.processInfo.environment
        environment["INCIDENT_LDAP_DIR"] = directory
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/bash", nil, nil, &argv, &envp)
        try #require(spawned == 0, "cannot run ldap.sh: \(spawned)")
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        // An exit status of 0 is the wait status 0; anything else is a failure or a signal.
        try #require(status == 0, "ldap.sh \(command) failed with wait status \(status)")
        return (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
    }
}
