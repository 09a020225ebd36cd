import Dispatch
import Foundation
import TestSupport
import Testing

/// A second test directory run through scripts/services/ldap.sh with its own INCIDENT_LDAP_DIR.
struct ServiceInstance {
    var directory: String
    var url: String
    var script: String

    static func start(sourceLocation: SourceLocation = #_sourceLocation) async throws -> ServiceInstance {
        let script =
            TestEnvironment.value("TEST_LDAP_SERVICE_SCRIPT")
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/services/ldap.sh").path
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("incident-ldap-outage-\(UUID().uuidString.prefix(8))").path
        // Off the cooperative pool: the script takes a moment, and other tests' timings depend on that pool.
        let output = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                do {
                    continuation.resume(returning: try Self.run(script, "up", directory: directory))
                } catch {
                    // Leave nothing behind from a start that failed halfway.
                    _ = try? Self.run(script, "down", directory: directory)
                    continuation.resume(throwing: error)
                }
            }
        }
        let line = try #require(
            output.split(separator: "\n").first { $0.hasPrefix("export TEST_LDAP_URL=") },
            sourceLocation: sourceLocation
        )
        return ServiceInstance(
            directory: directory,
            url: String(line.dropFirst("export TEST_LDAP_URL=".count)),
            script: script
        )
    }

    func signal(_ signal: Int32) throws {
        let text = try String(contentsOfFile: self.directory + "/slapd.pid", encoding: .utf8)
        let pid = try #require(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kill(pid, signal) == 0)
    }

    func stop() {
        // A slapd left stopped by a failed expectation must be able to act on the SIGTERM of `down`.
        if let text = try? String(contentsOfFile: self.directory + "/slapd.pid", encoding: .utf8),
            let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
        {
            kill(pid, SIGCONT)
        }
        _ = try? Self.run(self.script, "down", directory: self.directory)
    }

    /// Runs `ldap.sh command` for this instance and returns its stdout.
    ///
    /// posix_spawn and waitpid rather than Foundation's Process, whose waitUntilExit was seen to miss the exit of
    /// a child here and hang the test run.
    @discardableResult
    static func run(_ script: String, _ command: String, directory: String) throws -> String {
        let output = directory + ".\(command).out"
        let errors = directory + ".\(command).err"
        defer {
            unlink(output)
            unlink(errors)
        }
        let arguments = ["/bin/bash", "-c", "exec \"$0\" \"$1\" >\"$2\" 2>\"$3\"", script, command, output, errors]
        var environment = ProcessInfo.processInfo.environment
        environment["INCIDENT_LDAP_DIR"] = directory
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        // The calling thread may block signals (Dispatch's workers do), and a child inherits that mask: slapd would
        // then ignore the SIGTERM of `down`. The child starts with no signal blocked and default handlers.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/bash", nil, &attributes, &argv, &envp)
        try #require(spawned == 0, "cannot run ldap.sh: \(spawned)")
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        // An exit status of 0 is the wait status 0; anything else is a failure or a signal.
        let log = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
        try #require(status == 0, "ldap.sh \(command) failed with wait status \(status): \(log)")
        return (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
    }
}
