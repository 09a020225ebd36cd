import Application
import Testing

@testable import Server

/// The command line and environment as incidentd reads them.
struct ConfigurationTests {
    /// Finding 20 of the hardening issue: the demo users never sign in to the PostgreSQL store by a forgotten flag.
    @Test func theDemoDirectoryNeedsTheMemoryStoreOrAnExplicitUnsafeFlag() throws {
        #expect(throws: InvalidSetting.self) {
            try Configuration(environment: [:], arguments: ["--demo-directory"])
        }
        #expect(throws: InvalidSetting.self) {
            try Configuration(environment: [:], arguments: ["--store", "postgres", "--demo-directory"])
        }
        let memory = try Configuration(environment: [:], arguments: ["--store", "memory", "--demo-directory"])
        #expect(memory.demoDirectory && memory.store == .memory)
        let unsafe = try Configuration(environment: [:], arguments: ["--demo-directory", "--unsafe-demo"])
        #expect(unsafe.demoDirectory && unsafe.store == .postgres)
        let plain = try Configuration(environment: [:], arguments: [])
        #expect(!plain.demoDirectory)
    }
}
