internal import CLinuxShim
import Synchronization

/// A WebSocket client on the same codec, masking every frame (RFC 6455 §5.3); for tests and the bench tool.
///
/// It runs on an `EventLoop` like the server's connections. Messages either queue for `receive`, or, when
/// `onMessage` is given, go straight to that callback on the loop thread (the bench uses this: no task per frame);
/// `onTextBytes` gets text messages as UTF-8 bytes without making a `String`.
package final class WebSocketClient: Sendable {
    /// The loop the connection lives on.
    package let loop: EventLoop
    private let connection: LoopBound<ClientConnection>
    private let inbox: ClientInbox
    private let closed = Atomic<Bool>(false)

    private init(loop: EventLoop, connection: LoopBound<ClientConnection>, inbox: ClientInbox) {
        self.loop = loop
        self.connection = connection
        self.inbox = inbox
    }

    /// One loop shared by clients that do not bring their own.
    package static let sharedLoop: EventLoop = {
        let loop = try! EventLoop(index: 999)  // only fails without fds at all
        loop.start()
        return loop
    }()

    /// Connects and completes the opening handshake. Throws `WebSocketClientError.handshakeRejected` for a
    /// non-101 answer, `.timeout` when the handshake takes longer than `timeout`.
    package static func connect(
        host: String,
        port: Int,
        path: String,
        headers: [(String, String)] = [],
        timeout: Duration = .seconds(5),
        loop: EventLoop? = nil,
        onMessage: (@Sendable (WebSocketClientMessage) -> Void)? = nil,
        onTextBytes: (@Sendable ([UInt8]) -> Void)? = nil
    ) async throws -> WebSocketClient {
        let loop = loop ?? Self.sharedLoop
        let key = WebSocketHandshake.randomKey()
        var request = "GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        request += "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        let bytes = Array(request.utf8)
        let fd: Int32
        do {
            fd = try Socket.connect(host: host, port: port)
        } catch {
            throw WebSocketClientError.connectFailed(errno: error.errno)
        }
        let inbox = ClientInbox(onMessage: onMessage, onTextBytes: onTextBytes)
        let deadline = timeout.nanoseconds
        let bound = try await withCheckedThrowingContinuation {
            (continuation: CheckedContinuation<LoopBound<ClientConnection>, any Error>) in
            loop.execute {
                let connection = ClientConnection(
                    fd: fd,
                    loop: loop,
                    request: bytes,
                    key: key,
                    inbox: inbox,
                    opened: continuation
                )
                loop.register(fd, connection, events: shim_epollout())
                loop.schedule(at: EventLoop.now() + deadline) { connection.timedOut() }
            }
        }
        return WebSocketClient(loop: loop, connection: bound, inbox: inbox)
    }

    static func encode(_ opcode: WebSocketOpcode, _ payload: [UInt8]) -> ByteStorage {
        var generator = SystemRandomNumberGenerator()
        return WebSocketFrameEncoder.encode(opcode: opcode, payload: payload, mask: generator.next())
    }

    private func enqueue(_ storage: ByteStorage) throws {
        guard !self.closed.load(ordering: .relaxed) else { throw WebSocketClientError.closed }
        let connection = self.connection
        self.loop.execute { connection.value.enqueue(storage) }
    }

    /// Sends a text message.
    package func send(text: String) async throws {
        try self.enqueue(Self.encode(.text, Array(text.utf8)))
    }

    /// Sends a text message at once, from the client's own loop thread (no hop through the loop's inbox). The
    /// bench paces its senders with a timer on that loop and sends this way. Returns false once closed.
    package func sendOnLoop(text: [UInt8]) -> Bool {
        precondition(self.loop.inLoop, "sendOnLoop(text:) runs on the client's loop")
        guard !self.closed.load(ordering: .relaxed) else { return false }
        self.connection.value.enqueue(Self.encode(.text, text))
        return true
    }

    /// Sends a binary message.
    package func send(binary: [UInt8]) async throws {
        try self.enqueue(Self.encode(.binary, binary))
    }

    /// Sends a raw frame (tests use it to send fragments and malformed frames).
    package func send(raw: [UInt8]) async throws {
        try self.enqueue(ByteStorage(raw))
    }

    /// Sends a ping frame (the server's pong is not surfaced).
    package func ping() async throws {
        try self.enqueue(Self.encode(.ping, []))
    }

    /// The next message; `.close` once the server closes. Throws `.timeout` or `.closed`.
    package func receive(timeout: Duration = .seconds(5)) async throws -> WebSocketClientMessage {
        let inbox = self.inbox
        let loop = self.loop
        let delay = timeout.nanoseconds
        return try await withCheckedThrowingContinuation { continuation in
            guard let token = inbox.take(continuation) else { return }
            loop.execute { loop.schedule(at: EventLoop.now() + delay) { inbox.expire(token) } }
        }
    }

    /// Sends a close frame, waits for the server's (up to 5 s), then ends the connection.
    package func close(code: WebSocketCloseCode = .normal) async throws {
        guard !self.closed.exchange(true, ordering: .relaxed) else { return }
        let connection = self.connection
        self.loop.execute { connection.value.sendClose(code) }
        if self.inbox.onMessage == nil && self.inbox.onTextBytes == nil {
            while true {
                guard let message = try? await self.receive(timeout: .seconds(5)) else { break }
                if case .close = message { break }
            }
        }
        self.loop.execute { connection.value.closeNow() }
    }

    /// Ends the TCP connection without a closing handshake.
    package func disconnect() {
        self.closed.store(true, ordering: .relaxed)
        let connection = self.connection
        self.loop.execute { connection.value.closeNow() }
    }
}
