internal import CLinuxShim
internal import Glibc
import Synchronization

/// Accepts connections on one loop from the listening socket that every loop shares.
///
/// Every loop registers the same socket with `EPOLLEXCLUSIVE`, so the kernel wakes one loop per connection
/// (no thundering herd) and the port is bound once, which makes "port already in use" a plain bind error.
final class Listener: LoopHandler {
    let fd: Int32
    let loop: EventLoop
    let server: ServerContext
    private var accepting = true

    init(fd: Int32, loop: EventLoop, server: ServerContext) {
        self.fd = fd
        self.loop = loop
        self.server = server
    }

    static var events: UInt32 { shim_epollin() | shim_epollexclusive() }

    func handleEvents(_ events: UInt32) {
        // A bounded batch per wake-up keeps accepting fair to the connections already on this loop.
        for _ in 0..<64 {
            guard self.accepting else { return }
            let accepted: (fd: Int32, address: String)?
            do {
                accepted = try Socket.accept(self.fd)
            } catch {
                // Out of fds (EMFILE/ENFILE): the socket stays readable, so back off instead of spinning.
                self.loop.deregister(self.fd)
                self.loop.schedule(at: EventLoop.now() + 100_000_000) { [self] in
                    if self.accepting { self.loop.register(self.fd, self, events: Self.events) }
                }
                return
            }
            guard let accepted else { return }
            guard self.server.openConnections.load(ordering: .relaxed) < self.server.configuration.maxConnections
            else {
                // Over the process's limit: a short answer instead of a connection that would take memory and fds
                // from the ones already served. The socket is new, so the few bytes fit its buffer.
                Self.refuse(accepted.fd)
                continue
            }
            Socket.setNoDelay(accepted.fd)
            let connection = Connection(
                fd: accepted.fd,
                loop: self.loop,
                server: self.server,
                remoteAddress: accepted.address
            )
            self.server.openConnections.wrappingAdd(1, ordering: .relaxed)
            self.loop.register(accepted.fd, connection, events: shim_epollin())
        }
    }

    private static let refusal: [UInt8] = {
        let body = "{\"error\":{\"code\":\"unavailable\",\"message\":\"The server has too many connections open.\"}}"
        return Array(
            ("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 5\r\n"
                + "Connection: close\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body).utf8)
    }()

    private static func refuse(_ fd: Int32) {
        _ = Self.refusal.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        close(fd)
    }

    func tick(now: UInt64) {}

    func loopStopping() {}

    /// Stops accepting on this loop; the server closes the shared socket once every loop has let go.
    func stopAccepting() {
        self.accepting = false
        self.loop.deregister(self.fd)
    }
}

@available(*, unavailable)
extension Listener: Sendable {}
