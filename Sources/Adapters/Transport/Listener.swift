internal import CLinuxShim
internal import Glibc
import Synchronization

/// Accepts connections on one loop from the listening socket that every loop shares.
///
/// Every loop registers the same socket with `EPOLLEXCLUSIVE`, so the kernel wakes one loop per connection
/// (no thundering herd) and the port is bound once, which makes "port already in use" a plain bind error.
///
/// Whichever loop accepts, the connection goes to the loop serving the fewest: the kernel tends to wake the same
/// idle loop, and one wake-up accepts a whole burst, so without this the clients that connect together (a shift
/// signing in, a bench) would all share one core.
final class Listener: LoopHandler {
    let fd: Int32
    let loop: EventLoop
    /// Every loop of the server, this one included.
    let loops: [EventLoop]
    let server: ServerContext
    private var accepting = true

    init(fd: Int32, loop: EventLoop, loops: [EventLoop], server: ServerContext) {
        self.fd = fd
        self.loop = loop
        self.loops = loops
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
            self.server.openConnections.wrappingAdd(1, ordering: .relaxed)
            let target = self.leastBusyLoop()
            target.connections.wrappingAdd(1, ordering: .relaxed)
            if target === self.loop {
                Self.serve(accepted, on: target, server: self.server)
            } else {
                // The connection is made on its own loop's thread, which alone touches that loop's fd table.
                target.execute { [server = self.server] in Self.serve(accepted, on: target, server: server) }
            }
        }
    }

    /// The loop with the fewest connections; this one when it is among them (no hand-over to another thread).
    private func leastBusyLoop() -> EventLoop {
        var best = self.loop
        var fewest = self.loop.connections.load(ordering: .relaxed)
        for loop in self.loops {
            let count = loop.connections.load(ordering: .relaxed)
            if count < fewest { (best, fewest) = (loop, count) }
        }
        return best
    }

    private static func serve(_ accepted: (fd: Int32, address: String), on loop: EventLoop, server: ServerContext) {
        let connection = Connection(fd: accepted.fd, loop: loop, server: server, remoteAddress: accepted.address)
        loop.register(accepted.fd, connection, events: shim_epollin())
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
