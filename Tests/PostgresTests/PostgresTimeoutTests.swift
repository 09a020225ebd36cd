import Foundation
import Postgres
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Finding 21 of the hardening issue: a database that accepts the connection and then never answers (a hung server,
/// a black-holed route) must not hold a pool thread for ever.
struct PostgresTimeoutTests {
    /// A TCP port that completes the handshake (the kernel does, from the backlog) and then says nothing.
    final class SilentListener {
        let fd: Int32
        let port: Int

        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard bound == 0, listen(fd, 16) == 0 else {
                close(fd)
                throw POSIXError(.EADDRINUSE)
            }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            self.fd = fd
            self.port = Int(UInt16(bigEndian: address.sin_port))
        }

        deinit { close(self.fd) }
    }

    @Test func connectingToADatabaseThatNeverAnswersFailsWithinTheConnectTimeout() async throws {
        let listener = try SilentListener()
        let url = "postgres://app:secret@127.0.0.1:\(listener.port)/incidents"
        let started = ContinuousClock.now
        let outcome = await Task.detached { () -> Result<Void, PostgresError> in
            Result { () throws(PostgresError) in _ = try PostgresConnection(url: url) }
        }.value
        let waited = ContinuousClock.now - started
        guard case .failure(let error) = outcome else {
            Issue.record("a silent server cannot have accepted the connection")
            return
        }
        #expect(error.code == .connectionFailed)
        // The default connect_timeout is 5 s; without it libpq waits for ever.
        #expect(waited < .seconds(20), "waited \(waited)")
        withExtendedLifetime(listener) {}
    }
}
