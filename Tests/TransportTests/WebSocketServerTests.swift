import HTTPCore
import Glibc
import Synchronization
import Testing
import Transport
import TransportTestSupport
import TransportTesting

struct WebSocketServerTests {
    static func upgradeRequest(_ path: String, version: String = "13", extra: String = "") -> String {
        "GET \(path) HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: \(version)\r\n\(extra)\r\n"
    }

    @Test func echoesTextBinaryAndFragmentedMessages() async throws {
        try await withServer(router: makeRouter(TestEndpoints.install)) { server in
            let client = try await WebSocketClient.connect(host: "127.0.0.1", port: server.port, path: "/ws/echo")
            try await client.send(text: "héllo")
            #expect(try await client.receive() == .text("héllo"))
            try await client.send(binary: [0, 1, 2, 255])
            #expect(try await client.receive() == .binary([0, 1, 2, 255]))
            // Two fragments with a ping between them.
            try await client.send(
                raw: clientFrame(0x1, Array("frag".utf8), fin: false) + clientFrame(0x9, [1])
                    + clientFrame(0x0, Array("ment".utf8))
            )
            #expect(try await client.receive() == .text("fragment"))
            let big = String(repeating: "x", count: 200_000)
            try await client.send(text: big)
            #expect(try await client.receive() == .text(big))
            try await client.close()
        }
    }

    @Test func answersTheHandshakeAndDeclinesCompression() async throws {
        try await withServer(router: makeRouter(TestEndpoints.install)) { server in
            let client = try RawClient(port: server.port)
            await client.send(
                Self.upgradeRequest("/ws/echo", extra: "Sec-WebSocket-Extensions: permessage-deflate\r\n")
            )
            let response = await client.response()
            #expect(response?.status == 101)
            #expect(response?.headers["Sec-WebSocket-Accept"] == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
            #expect(response?.headers["Sec-WebSocket-Extensions"] == nil)
        }
    }

    @Test func negotiatesTheSubprotocolTheEndpointChooses() async throws {
        try await withServer(
            router: makeRouter { router in
                router.addWebSocket("/ws/p") { request in
                    let offered = request.headers["Sec-WebSocket-Protocol"] ?? ""
                    return .accept(
                        WebSocketAcceptance(
                            delegate: RecordingDelegate(),
                            subprotocol: offered.contains("chat.v1") ? "chat.v1" : nil
                        )
                    )
                }
            }
        ) { server in
            let client = try RawClient(port: server.port)
            await client.send(Self.upgradeRequest("/ws/p", extra: "Sec-WebSocket-Protocol: chat.v2, chat.v1\r\n"))
            #expect(await client.response()?.headers["Sec-WebSocket-Protocol"] == "chat.v1")
        }
    }

    @Test func answers426ForAnotherVersionAnd403ForARefusedOrigin() async throws {
        try await withServer(
            testConfiguration { $0.originCheck = { $0 == "https://ok.example" } },
            router: makeRouter(TestEndpoints.install)
        ) {
            server in
            let client = try RawClient(port: server.port)
            await client.send(Self.upgradeRequest("/ws/echo", version: "8", extra: "Origin: https://ok.example\r\n"))
            let old = await client.response()
            #expect(old?.status == 426)
            #expect(old?.headers["Sec-WebSocket-Version"] == "13")
            await client.send(Self.upgradeRequest("/ws/echo", extra: "Origin: https://evil.example\r\n"))
            let refused = await client.response()
            #expect(refused?.status == 403)
            await client.send(Self.upgradeRequest("/ws/echo", extra: "Origin: https://ok.example\r\n"))
            #expect(await client.response()?.status == 101)
        }
    }

    @Test func reportsARejectedUpgradeWithItsStatusAndBody() async throws {
        try await withServer(
            router: makeRouter { router in
                router.addWebSocket("/ws/:room") { _ in .reject(.error(401, code: "unauthorized", message: "no token"))
                }
            }
        ) { server in
            await #expect(
                throws: WebSocketClientError.handshakeRejected(
                    status: 401,
                    body: Array(#"{"error":{"code":"unauthorized","message":"no token"}}"#.utf8)
                )
            ) {
                _ = try await WebSocketClient.connect(host: "127.0.0.1", port: server.port, path: "/ws/r1")
            }
        }
    }

    @Test(
        arguments: [
            // Unmasked client frame.
            ([0x81, 0x02, 0x68, 0x69] as [UInt8], UInt16(1002)),
            // A 4 GiB length: refused from the header, before any payload.
            ([0x82, 0xFF, 0, 0, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4], 1009),
            // Reserved bit.
            (clientFrame(0x41, [1]), 1002),
            // Invalid UTF-8.
            (clientFrame(0x1, [0xC0, 0xAF]), 1007),
            // Close with an invalid code.
            (clientFrame(0x8, [0x03, 0xED]), 1002),
            // Continuation without a message.
            (clientFrame(0x0, [1]), 1002),
        ] as [([UInt8], UInt16)]
    )
    func closesOnProtocolViolationsWithTheRightCode(_ bytes: [UInt8], _ code: UInt16) async throws {
        let delegate = RecordingDelegate()
        try await withServer(
            router: makeRouter { router in
                router.addWebSocket("/ws") { _ in .accept(WebSocketAcceptance(delegate: delegate)) }
            }
        ) { server in
            let client = try await WebSocketClient.connect(host: "127.0.0.1", port: server.port, path: "/ws")
            try await client.send(raw: bytes)
            guard case .close(let received, _) = try await client.receive() else {
                Issue.record("expected a close frame")
                return
            }
            #expect(received == WebSocketCloseCode(code))
            #expect(await eventually { delegate.closeCode == .some(WebSocketCloseCode(code)) })
        }
    }

    @Test func failsFastOnInvalidUTF8BeforeTheFrameIsComplete() async throws {
        try await withServer(router: makeRouter(TestEndpoints.install)) { server in
            let client = try await WebSocketClient.connect(host: "127.0.0.1", port: server.port, path: "/ws/echo")
            // A text frame announcing 100 bytes; only its first 4 arrive, and 0xC0 can never be valid UTF-8.
            let whole = clientFrame(0x1, [0x61, 0x62, 0xC0, 0x80] + [UInt8](repeating: 0x61, count: 96))
            try await client.send(raw: Array(whole.prefix(2 + 4 + 4)))
            #expect(try await client.receive() == .close(code: 1007, reason: "invalid UTF-8"))
        }
    }

    @Test func closesWith1009OnAMessageOverTheLimit() async throws {
        try await withServer(
            router: makeRouter { router in
                router.addWebSocket("/ws") { _ in
                    .accept(WebSocketAcceptance(delegate: RecordingDelegate(), maxMessageSize: 1000))
                }
            }
        ) { server in
            let client = try await WebSocketClient.connect(host: "127.0.0.1", port: server.port, path: "/ws")
            try await client.send(
                raw: clientFrame(0x1, Array(repeating: 97, count: 600), fin: false)
                    + clientFrame(0x0, Array(repeating: 97, count: 600))
            )
            #expect(try await client.receive() == .close(code: 1009, reason: "message too big"))
        }
    }

    @Test func completesTheClosingHandshake() async throws {
        let delegate = RecordingDelegate(echo: true)
        try await withServer(
            router: makeRouter { router in
                router.addWebSocket("/ws") { _ in .accept(WebSocketAcceptance(delegate: delegate)) }
            }
        ) { server in
            let client = try await WebSocketClient.connect(host: "127.0.0.1", port: server.port, path: "/ws")
            try await client.send(text: "a")
            #expect(try await client.receive() == .text("a"))
            try await client.close(code: 4001)
            #expect(await eventually { delegate.events == [.open, .text("a"), .close(4001)] })
            #expect(await eventually { server.openConnections == 0 })
        }
    }

    @Test func closesAConnectionThatDoesNotAnswerPings() async throws {
        let delegate = RecordingDelegate()
        try await withServer(
            testConfiguration {
                $0.pingInterval = .milliseconds(50)
                $0.pongTimeout = .milliseconds(100)
            },
            router: makeRouter { router in
                router.addWebSocket("/ws") { _ in .accept(WebSocketAcceptance(delegate: delegate)) }
            }
        ) { server in
            // A client that answers pings stays.
            let polite = try await WebSocketClient.connect(host: "127.0.0.1", port: server.port, path: "/ws")
            // A raw one that never answers is closed.
            let silent = try RawClient(port: server.port)
            await silent.send(Self.upgradeRequest("/ws"))
            #expect(await silent.waitForEOF(timeout: .seconds(3)))
            // It was pinged (0x89) before being dropped.
            #expect(silent.received.contains(0x89))
            #expect(await eventually { delegate.events.contains(.close(nil)) })
            try await polite.send(text: "still here")
            #expect(await eventually { delegate.events.contains(.text("still here")) })
            #expect(delegate.events.filter { $0 == .close(nil) }.count == 1)
        }
    }

    /// Finding 2 of the hardening issue: 400 000 pings from a client that never reads its pongs used to queue a
    /// pong each, without bound (70 MiB in a release build). Pongs are coalesced (one per read, for the latest
    /// ping) and a WebSocket whose output is over its bound is not read until it drains.
    @Test func aPingFloodFromAClientThatDoesNotReadStaysWithinTheOutputBound() async throws {
        try await withServer(router: makeRouter(TestEndpoints.install)) { server in
            let flooder = try RawClient(port: server.port)
            await flooder.send(Self.upgradeRequest("/ws/echo"))
            #expect(await flooder.wait { $0.count >= 12 })
            let echo = try await WebSocketClient.connect(host: "127.0.0.1", port: server.port, path: "/ws/echo")
            // 125-byte pings, the largest a control frame may be, one write each: as many reads as possible.
            let ping = clientFrame(0x9, [UInt8](repeating: 0x70, count: 125))
            var sent = 0
            var largestQueue = 0
            let deadline = ContinuousClock.now + .seconds(8)
            while sent < 400_000 && ContinuousClock.now < deadline {
                let n = ping.withUnsafeBytes { write(flooder.fd, $0.baseAddress, $0.count) }
                if n == ping.count {
                    sent += 1
                } else {
                    // The server stopped reading this client: its pings wait in the kernel's buffers.
                    try await Task.sleep(for: .milliseconds(5))
                }
                if sent % 20_000 == 0 || n != ping.count {
                    let queued = await server.connectionSnapshots().map(\.queuedBytes).max() ?? 0
                    largestQueue = max(largestQueue, queued)
                    try await echo.send(text: "still served \(sent)")
                    #expect(try await echo.receive() == .text("still served \(sent)"))
                }
            }
            #expect(sent > 1_000)
            #expect(largestQueue <= 256 * 1024 + 64 * 1024, "queued \(largestQueue) bytes after \(sent) pings")
            try await echo.close()
        }
    }

    @Test func closesASlowReaderWith1013InsteadOfBuffering() async throws {
        let delegate = RecordingDelegate(onOpen: { connection in
            // 20 MB toward a client that reads nothing: past the 256 KiB bound whatever the socket buffers hold.
            let frame = OutboundFrame.text(String(repeating: "z", count: 10_000))
            for _ in 0..<2000 { connection.send(frame) }
        })
        try await withServer(
            testConfiguration { $0.maxOutboundBytes = 256 * 1024 },
            router: makeRouter { router in
                router.addWebSocket("/ws") { _ in .accept(WebSocketAcceptance(delegate: delegate)) }
            }
        ) { server in
            let silent = try RawClient(port: server.port)
            await silent.send(Self.upgradeRequest("/ws"))
            #expect(await eventually { delegate.closeCode == .some(1013) })
        }
    }

    @Test func closesWith1013WhenTooManyFramesQueue() async throws {
        let delegate = RecordingDelegate(onOpen: { connection in
            for _ in 0..<100 { connection.send(.text("x")) }
        })
        try await withServer(
            testConfiguration { $0.maxOutboundFrames = 10 },
            router: makeRouter { router in
                router.addWebSocket("/ws") { _ in .accept(WebSocketAcceptance(delegate: delegate)) }
            }
        ) { server in
            let client = try await WebSocketClient.connect(host: "127.0.0.1", port: server.port, path: "/ws")
            #expect(await eventually { delegate.closeCode == .some(1013) })
            var codes: [WebSocketCloseCode?] = []
            while let message = try? await client.receive(timeout: .seconds(2)) {
                if case .close(let code, _) = message {
                    codes.append(code)
                    break
                }
            }
            #expect(codes == [1013])
        }
    }

    @Test func broadcastsToTheRoomOnly() async throws {
        try await withServer(router: makeRouter(TestEndpoints.install)) { server in
            let a = try await WebSocketClient.connect(host: "127.0.0.1", port: server.port, path: "/ws/bench/r1")
            let b = try await WebSocketClient.connect(host: "127.0.0.1", port: server.port, path: "/ws/bench/r1")
            let other = try await WebSocketClient.connect(host: "127.0.0.1", port: server.port, path: "/ws/bench/r2")
            // Membership is recorded on open; a round trip proves b has joined before a sends.
            try await b.send(text: "b joined")
            #expect(try await b.receive() == .text("b joined"))
            try await a.send(text: "hello room")
            var aSaw: [WebSocketClientMessage] = []
            while aSaw.last != .text("hello room") { aSaw.append(try await a.receive()) }
            #expect(try await b.receive() == .text("hello room"))
            await #expect(throws: WebSocketClientError.timeout) {
                _ = try await other.receive(timeout: .milliseconds(200))
            }
        }
    }

    @Test func broadcastsAcrossLoops() async throws {
        try await withServer(testConfiguration { $0.eventLoops = 4 }, router: makeRouter(TestEndpoints.install)) {
            server in
            var clients: [WebSocketClient] = []
            for _ in 0..<12 {
                let client = try await WebSocketClient.connect(
                    host: "127.0.0.1",
                    port: server.port,
                    path: "/ws/bench/x"
                )
                // A round trip proves this client has joined before the next one connects.
                try await client.send(text: "joined")
                while try await client.receive() != .text("joined") {}
                clients.append(client)
            }
            try await clients[0].send(text: "to everyone")
            for client in clients {
                var message = try await client.receive()
                while message == .text("joined") { message = try await client.receive() }
                #expect(message == .text("to everyone"))
            }
        }
    }

    @Test func aBroadcastReachesEveryOpenConnectionOnEveryLoopInOrder() async throws {
        let opened = Mutex<[WebSocketConnection]>([])
        let router = makeRouter { router in
            router.addWebSocket("/ws/fan") { _ in
                .accept(
                    WebSocketAcceptance(delegate: RecordingDelegate(onOpen: { c in opened.withLock { $0.append(c) } })))
            }
        }
        try await withServer(testConfiguration { $0.eventLoops = 3 }, router: router) { server in
            var clients: [WebSocketClient] = []
            for _ in 0..<9 {
                clients.append(try await WebSocketClient.connect(host: "127.0.0.1", port: server.port, path: "/ws/fan"))
            }
            #expect(await eventually { opened.withLock { $0.count } == 9 })
            let connections = opened.withLock { $0 }
            let gone = clients.removeLast()
            try await gone.close()
            for n in 1...3 { WebSocketConnection.send(.text("broadcast \(n)"), to: connections) }
            for client in clients {
                for n in 1...3 { #expect(try await client.receive() == .text("broadcast \(n)")) }
            }
        }
    }

    @Test func closesWebSocketsWith1001OnShutdown() async throws {
        let router = Router()
        TestEndpoints.install(on: router)
        let server = HTTPServer(configuration: .init(host: "127.0.0.1", port: 0, eventLoops: 2), router: router)
        try server.start()
        let client = try await WebSocketClient.connect(host: "127.0.0.1", port: server.port, path: "/ws/echo")
        await server.shutdown()
        #expect(try await client.receive() == .close(code: 1001, reason: "server shutting down"))
        #expect(server.openConnections == 0)
        await #expect(throws: WebSocketClientError.self) {
            _ = try await WebSocketClient.connect(host: "127.0.0.1", port: server.port, path: "/ws/echo")
        }
    }
}
