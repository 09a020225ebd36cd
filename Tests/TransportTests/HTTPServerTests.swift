import HTTPCore
import Foundation
import Glibc
import Synchronization
import TestSupport
import Testing
import Transport
import TransportTestSupport

struct HTTPServerTests {
    static func routes(_ router: Router) {
        router.add(.get, "/slow") { _ in
            try? await Task.sleep(for: .milliseconds(80))
            return .text(200, "slow")
        }
        router.add(.get, "/fast") { _ in .text(200, "fast") }
        router.add(.post, "/echo", body: .buffer(limit: 64)) { request in
            HTTPResponse(status: 200, body: .bytes(request.body))
        }
        router.add(.get, "/rooms/:room_id/messages/:message_id") { request in
            .text(200, "param \(request.pathParameters["room_id"]!) \(request.pathParameters["message_id"]!)")
        }
        router.add(.get, "/rooms/:room_id/messages/search") { request in
            .text(200, "search \(request.pathParameters["room_id"]!) q=\(request.query("q") ?? "-")")
        }
        router.add(.get, "/stream") { _ in
            HTTPResponse(
                status: 200,
                body: .stream { writer in
                    for i in 0..<5 { try await writer.write("part\(i);") }
                }
            )
        }
        router.add(.get, "/inject") { _ in
            var response = HTTPResponse.text(200, "x")
            response.headers.add("X-Evil", "a\r\nSet-Cookie: pwned=1")
            response.headers.add("X-Fine", "ok")
            return response
        }
        router.add(.get, "/peer") { request in .text(200, request.remoteAddress) }
    }

    @Test func answersPipelinedRequestsInOrder() async throws {
        try await withServer(router: makeRouter(Self.routes)) { server in
            let client = try RawClient(port: server.port)
            await client.send(
                "GET /slow HTTP/1.1\r\nHost: t\r\n\r\nGET /fast HTTP/1.1\r\nHost: t\r\n\r\n"
                    + "GET /fast HTTP/1.1\r\nHost: t\r\n\r\n"
            )
            let first = await client.response()
            let second = await client.response()
            let third = await client.response()
            #expect(first?.text == "slow")
            #expect(second?.text == "fast")
            #expect(third?.text == "fast")
            #expect(first?.headers["Date"] != nil)
        }
    }

    @Test func keepsTheConnectionAliveAndClosesWhenAsked() async throws {
        try await withServer(router: makeRouter(Self.routes)) { server in
            let client = try RawClient(port: server.port)
            await client.send("GET /fast HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(await client.response()?.status == 200)
            await client.send("GET /fast HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            let response = await client.response()
            #expect(response?.headers["Connection"] == "close")
            #expect(await client.waitForEOF())
        }
    }

    @Test(arguments: [1, 3, 10])
    func readsAChunkedBodySentInPieces(_ piece: Int) async throws {
        try await withServer(router: makeRouter(Self.routes)) { server in
            let client = try RawClient(port: server.port)
            let request = Array(
                ("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
                    .utf8
            )
            var offset = 0
            while offset < request.count {
                await client.send(Array(request[offset..<min(request.count, offset + piece)]))
                offset += piece
            }
            let response = await client.response()
            #expect(response?.text == "hello world")
        }
    }

    @Test func sends100ContinueBeforeTheBody() async throws {
        try await withServer(router: makeRouter(Self.routes)) { server in
            let client = try RawClient(port: server.port)
            await client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
            let interim = await client.response()
            #expect(interim?.status == 100)
            await client.send("ping")
            let final = await client.response()
            #expect(final?.status == 200)
            #expect(final?.text == "ping")
        }
    }

    @Test func refusesADeclaredBodyOverTheLimitWith413AndCloses() async throws {
        try await withServer(router: makeRouter(Self.routes)) { server in
            let client = try RawClient(port: server.port)
            await client.send(
                "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4294967296\r\nExpect: 100-continue\r\n\r\n"
            )
            let response = await client.response()
            #expect(response?.status == 413)
            #expect(response?.text.contains("\"code\":\"payload_too_large\"") == true)
            #expect(await client.waitForEOF())
        }
    }

    @Test func refusesAChunkedBodyThatGrowsOverTheLimit() async throws {
        try await withServer(router: makeRouter(Self.routes)) { server in
            let client = try RawClient(port: server.port)
            await client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
            for _ in 0..<10 { await client.send("10\r\n0123456789abcdef\r\n") }
            let response = await client.response()
            #expect(response?.status == 413)
            #expect(await client.waitForEOF())
        }
    }

    @Test(
        arguments: [
            (
                "GET /fast HTTP/1.1\r\nHost: t\r\nX: " + String(repeating: "a", count: 17_000) + "\r\n\r\n", 431,
                "request_header_fields_too_large"
            ),
            (
                "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "2\r\nhi\r\n0\r\n\r\n",
                400, "invalid_request"
            ),
            (
                "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nhi!", 400,
                "invalid_request"
            ),
            ("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n", 400, "invalid_request"),
            ("GET /fast HTTP/1.1\r\nHost: t\r\nX: a\rInjected: 1\r\n\r\n", 400, "invalid_request"),
            ("BREW /fast HTTP/1.1\r\nHost: t\r\n\r\n", 501, "not_implemented"),
            ("GET /fa%zzst HTTP/1.1\r\nHost: t\r\n\r\n", 400, "invalid_request"),
        ] as [(String, Int, String)]
    )
    func answersMalformedRequestsAndCloses(_ request: String, _ status: Int, _ code: String) async throws {
        try await withServer(router: makeRouter(Self.routes)) { server in
            let client = try RawClient(port: server.port)
            await client.send(request)
            let response = await client.response()
            #expect(response?.status == status)
            #expect(response?.headers["Content-Type"] == "application/json")
            #expect(response?.text.contains("\"code\":\"\(code)\"") == true)
            #expect(await client.waitForEOF())
        }
    }

    @Test func answersUnknownRoutesAndMethodsInTheErrorShapeOrThroughTheFallback() async throws {
        try await withServer(router: makeRouter(Self.routes)) { server in
            let client = try RawClient(port: server.port)
            await client.send("GET /nope HTTP/1.1\r\nHost: t\r\n\r\nDELETE /fast HTTP/1.1\r\nHost: t\r\n\r\n")
            let missing = await client.response()
            #expect(missing?.status == 404)
            #expect(missing?.text == #"{"error":{"code":"not_found","message":"no route for /nope"}}"#)
            let wrongMethod = await client.response()
            #expect(wrongMethod?.status == 405)
            #expect(wrongMethod?.headers["Allow"] == "GET, HEAD")
        }
        try await withServer(
            router: makeRouter { router in
                Self.routes(router)
                router.fallback = { request, miss in
                    switch miss {
                    case .notFound: .text(404, "custom \(request.path)")
                    case .methodNotAllowed(let allowed): .text(405, "custom \(allowed.map(\.rawValue))")
                    }
                }
            }
        ) { server in
            let client = try RawClient(port: server.port)
            await client.send("GET /nope HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(await client.response()?.text == "custom /nope")
        }
    }

    @Test func prefersLiteralSegmentsAndDecodesParameters() async throws {
        try await withServer(router: makeRouter(Self.routes)) { server in
            let client = try RawClient(port: server.port)
            await client.send("GET /rooms/r%201/messages/search?q=a+b HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(await client.response()?.text == "search r 1 q=a b")
            await client.send("GET /rooms/r1/messages/m%2F2 HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(await client.response()?.text == "param r1 m/2")
        }
    }

    @Test func answersHeadWithoutABody() async throws {
        try await withServer(router: makeRouter(Self.routes)) { server in
            let client = try RawClient(port: server.port)
            await client.send("HEAD /fast HTTP/1.1\r\nHost: t\r\n\r\nGET /fast HTTP/1.1\r\nHost: t\r\n\r\n")
            // The HEAD response announces 4 bytes but carries none: the next response follows at once.
            _ = await client.wait {
                String(decoding: $0, as: UTF8.self).components(separatedBy: "HTTP/1.1 200").count == 3
            }
            let text = String(decoding: client.received, as: UTF8.self)
            #expect(text.hasSuffix("\r\n\r\nfast"))
            #expect(text.components(separatedBy: "Content-Length: 4").count == 3)
        }
    }

    @Test func streamsAChunkedResponse() async throws {
        try await withServer(router: makeRouter(Self.routes)) { server in
            let client = try RawClient(port: server.port)
            await client.send("GET /stream HTTP/1.1\r\nHost: t\r\n\r\n")
            let response = await client.response()
            #expect(response?.headers["Transfer-Encoding"] == "chunked")
            #expect(response?.text == "part0;part1;part2;part3;part4;")
        }
    }

    @Test func dropsResponseHeadersThatWouldInjectLines() async throws {
        try await withServer(router: makeRouter(Self.routes)) { server in
            let client = try RawClient(port: server.port)
            await client.send("GET /inject HTTP/1.1\r\nHost: t\r\n\r\n")
            let response = await client.response()
            #expect(response?.headers["Set-Cookie"] == nil)
            #expect(response?.headers["X-Evil"] == nil)
            #expect(response?.headers["X-Fine"] == "ok")
        }
    }

    @Test func reportsThePeerAddressWithoutThePort() async throws {
        try await withServer(router: makeRouter(Self.routes)) { server in
            let client = try RawClient(port: server.port)
            await client.send("GET /peer HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(await client.response()?.text == "127.0.0.1")
        }
    }

    @Test func closesASlowlorisWith408AfterTheHeaderTimeout() async throws {
        try await withServer(
            testConfiguration { $0.headerTimeout = .milliseconds(300) },
            router: makeRouter(Self.routes)
        ) { server in
            let client = try RawClient(port: server.port)
            let start = ContinuousClock.now
            // One byte every 20 ms never completes the head: the deadline is for the whole head, not per byte.
            for byte in "GET /fast HTTP/1.1\r\nHost: t\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".utf8 {
                await client.send([byte])
                try await Task.sleep(for: .milliseconds(20))
                client.poll()
                if client.sawEOF || !client.received.isEmpty { break }
            }
            let response = await client.response()
            #expect(response?.status == 408)
            #expect(await client.waitForEOF())
            // Well under the time the drip would take to finish (1.3 s) plus a response wait (5 s), so the cut came
            // from the header deadline, with room for a busy machine.
            #expect(ContinuousClock.now - start < .seconds(5))
        }
    }

    @Test func closesAnIdleKeepAliveConnection() async throws {
        try await withServer(
            testConfiguration { $0.idleTimeout = .milliseconds(200) },
            router: makeRouter(Self.routes)
        ) { server in
            let client = try RawClient(port: server.port)
            await client.send("GET /fast HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(await client.response()?.status == 200)
            #expect(await client.waitForEOF(timeout: .seconds(3)))
            #expect(await eventually { server.openConnections == 0 })
        }
    }

    @Test func spoolsABodyToAFileThatIsDeletedAfterTheHandler() async throws {
        let seen = Mutex<(path: String?, content: [UInt8], existed: Bool)>((nil, [], false))
        try await withServer(
            router: makeRouter { router in
                router.add(.post, "/upload", body: .spoolToFile(limit: 1 << 20)) { request in
                    guard let path = request.bodyFile else { return .empty(500) }
                    var content: [UInt8] = []
                    let fd = open(path, O_RDONLY)
                    var buffer = [UInt8](repeating: 0, count: 4096)
                    while true {
                        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                        if n <= 0 { break }
                        content += buffer[0..<n]
                    }
                    close(fd)
                    let captured = content
                    seen.withLock { $0 = (path, captured, true) }
                    return .text(201, "stored \(captured.count) body \(request.body.count)")
                }
            }
        ) { server in
            let client = try RawClient(port: server.port)
            let payload = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            await client.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: \(payload.count)\r\n\r\n")
            await client.send(payload)
            #expect(await client.response()?.text == "stored 300000 body 0")
            let record = seen.withLock { $0 }
            #expect(record.content == payload)
            let path = try #require(record.path)
            #expect(access(path, F_OK) != 0)
            // An empty body still comes as an (empty) file.
            await client.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n")
            #expect(await client.response()?.text == "stored 0 body 0")
        }
    }

    /// Finding 3 of the hardening issue: an upload with no token used to be answered `100 Continue` and spooled
    /// to disk (20 MB) before the handler could refuse it. The route's head check refuses it from the head.
    @Test func aRefusedHeadCheckAnswersWithoutContinueAndNeverReadsTheBody() async throws {
        let handled = Mutex(0)
        try await withServer(
            router: makeRouter { router in
                router.add(
                    .post, "/upload", body: .spoolToFile(limit: 30 << 20),
                    check: { request in
                        request.headers["Authorization"] == nil
                            ? .reject(.error(401, code: "unauthorized", message: "A valid token is required."))
                            : .proceed(context: nil)
                    }
                ) { _ in
                    handled.withLock { $0 += 1 }
                    return .empty(201)
                }
            }
        ) { server in
            let client = try RawClient(port: server.port)
            await client.send(
                "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 20971520\r\nExpect: 100-continue\r\n\r\n")
            let response = await client.response()
            #expect(response?.status == 401)
            #expect(response?.headers["Connection"] == "close")
            #expect(!String(decoding: client.received, as: UTF8.self).contains("100 Continue"))
            // The body never comes: the server closes without waiting for it.
            #expect(await client.waitForEOF(timeout: .seconds(4)))
            #expect(handled.withLock { $0 } == 0)

            // With the token the same upload is read and handled.
            let allowed = try RawClient(port: server.port)
            await allowed.send(
                "POST /upload HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer x\r\nContent-Length: 3\r\n"
                    + "Expect: 100-continue\r\n\r\n")
            #expect(await allowed.response()?.status == 100)
            await allowed.send("abc")
            #expect(await allowed.response()?.status == 201)
        }
    }

    /// A body that trickles (a byte a second) is cut off with 408 instead of holding a connection and a spool
    /// file for hours; a normal body on another connection is served meanwhile.
    @Test func aBodyBelowTheMinimumRateIsAnswered408() async throws {
        try await withServer(
            testConfiguration {
                $0.bodyWindow = .milliseconds(300)
                $0.minimumBodyBytes = 100
            },
            router: makeRouter(Self.routes)
        ) { server in
            let slow = try RawClient(port: server.port)
            await slow.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 60\r\n\r\n")
            let start = ContinuousClock.now
            for _ in 0..<60 {
                await slow.send("x")
                try await Task.sleep(for: .milliseconds(50))
                slow.poll()
                if slow.sawEOF || !slow.received.isEmpty { break }
            }
            #expect(await slow.response()?.status == 408)
            #expect(ContinuousClock.now - start < .seconds(2))
            let fine = try RawClient(port: server.port)
            await fine.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nping")
            #expect(await fine.response()?.text == "ping")
        }
    }

    /// Past `maxConnections` a new connection gets 503 at once; the open ones are served as before.
    @Test func refusesConnectionsOverTheProcessLimitAndServesTheOthers() async throws {
        try await withServer(testConfiguration { $0.maxConnections = 2 }, router: makeRouter(Self.routes)) { server in
            let first = try RawClient(port: server.port)
            let second = try RawClient(port: server.port)
            #expect(await eventually { server.openConnections == 2 })
            let third = try RawClient(port: server.port)
            let refused = await third.response()
            #expect(refused?.status == 503)
            #expect(refused?.headers["Retry-After"] == "5")
            #expect(await third.waitForEOF())
            for client in [first, second] {
                await client.send("GET /fast HTTP/1.1\r\nHost: t\r\n\r\n")
                #expect(await client.response()?.text == "fast")
            }
            first.disconnect()
            #expect(await eventually { server.openConnections == 1 })
            let fourth = try RawClient(port: server.port)
            await fourth.send("GET /fast HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(await fourth.response()?.text == "fast")
        }
    }

    /// Out of file descriptors (EMFILE), the listener backs off instead of spinning, and the connections already
    /// open are served as before; once fds free up, new connections are accepted again.
    @Test func spreadsConnectionsThatArriveTogetherOverEveryLoop() async throws {
        // One wake-up of one loop accepts the whole burst; each connection still goes to the loop serving fewest.
        try await withServer(testConfiguration { $0.eventLoops = 2 }, router: makeRouter(Self.routes)) { server in
            var clients: [RawClient] = []
            for _ in 0..<8 { clients.append(try RawClient(port: server.port)) }
            for client in clients { await client.send("GET /fast HTTP/1.1\r\nHost: t\r\n\r\n") }
            for client in clients { #expect(await client.response()?.text == "fast") }
            #expect(server.loops.map(\.connectionCount) == [4, 4])
            clients.removeAll()
            #expect(await eventually { server.loops.map(\.connectionCount) == [0, 0] })
        }
    }

    @Test func keepsServingOpenConnectionsWhenOutOfFileDescriptors() async throws {
        // This lowers the whole process's fd limit for a moment: run beside other tests (`swift test` without
        // `--no-parallel`, which scripts/test passes), their sockets fail too, in whichever suite is running.
        try await withServer(router: makeRouter(Self.routes)) { server in
            let open = try RawClient(port: server.port)
            await open.send("GET /fast HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(await open.response()?.text == "fast")
            // Sockets made while fds are free, connected once none are left: the kernel completes their
            // handshakes, and the server's accept fails with EMFILE for each.
            let waiting = (0..<16).map { _ in socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0) }
            var saved = rlimit()
            getrlimit(Int32(RLIMIT_NOFILE.rawValue), &saved)
            let inUse = Self.highestOpenFD() + 1
            var tight = saved
            tight.rlim_cur = rlim_t(inUse)
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &tight)
            // Fill the holes below the limit too: accept takes the lowest free number.
            var fillers: [Int32] = []
            while true {
                let fd = dup(0)
                guard fd >= 0 else { break }
                fillers.append(fd)
            }
            for fd in waiting {
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = in_port_t(UInt16(server.port)).bigEndian
                address.sin_addr.s_addr = inet_addr("127.0.0.1")
                _ = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
            }
            await open.send("GET /fast HTTP/1.1\r\nHost: t\r\n\r\n")
            let served = await open.response()
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &saved)
            #expect(served?.text == "fast")
            for fd in waiting + fillers { close(fd) }
            // Accepting resumes.
            let later = try RawClient(port: server.port)
            await later.send("GET /fast HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(await later.response(timeout: .seconds(5))?.text == "fast")
        }
    }

    /// The highest fd open in this process (the fd table's size is what RLIMIT_NOFILE bounds).
    static func highestOpenFD() -> Int32 {
        var highest: Int32 = 2
        for fd in 0..<Int32(65_536) where fcntl(fd, F_GETFD) != -1 { highest = fd }
        return highest
    }

    @Test func refusesToStartOnAPortInUse() async throws {
        try await withServer(router: makeRouter(Self.routes)) { server in
            let second = HTTPServer(
                configuration: .init(host: "127.0.0.1", port: server.port, eventLoops: 1),
                router: Router()
            )
            #expect(throws: SystemError.self) { try second.start() }
        }
    }

    @Test func finishesInFlightRequestsOnShutdown() async throws {
        let started = Mutex(false)
        let released = Mutex(false)
        let router = makeRouter { router in
            router.add(.get, "/slow") { _ in
                started.withLock { $0 = true }
                // In flight until the shutdown has begun, however slowly the machine schedules it.
                while !released.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(5)) }
                return .text(200, "slow")
            }
        }
        let server = HTTPServer(configuration: testConfiguration { $0.eventLoops = 1 }, router: router)
        try server.start()
        let client = try RawClient(port: server.port)
        await client.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(await eventually { started.withLock { $0 } })
        async let stopped: Void = server.shutdown()
        #expect(await eventually { server.isDraining })
        released.withLock { $0 = true }
        let response = await client.response()
        #expect(response?.text == "slow")
        #expect(response?.headers["Connection"] == "close")
        await stopped
        #expect(server.openConnections == 0)
    }

    @Test func stopsReadingFromAClientThatPipelinesWithoutReading() async throws {
        try await withServer(router: makeRouter(Self.routes)) { server in
            let client = try RawClient(port: server.port)
            let burst = Array(String(repeating: "GET /fast HTTP/1.1\r\nHost: t\r\n\r\n", count: 30_000).utf8)
            // Write until the socket stays full: the server must stop consuming long before 60 MB.
            var accepted = 0
            var stalledSince: ContinuousClock.Instant?
            while accepted < 60_000_000 {
                let n = burst.withUnsafeBytes { write(client.fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    accepted += n
                    stalledSince = nil
                    continue
                }
                if let since = stalledSince, ContinuousClock.now - since > .milliseconds(300) { break }
                if stalledSince == nil { stalledSince = ContinuousClock.now }
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(accepted < 30_000_000, "the server kept reading: \(accepted) bytes accepted")
            // The connection still works once the client reads.
            #expect(await client.response()?.text == "fast")
        }
    }

    @Test func stopsAStreamingHandlerWhenTheClientGoesAway() async throws {
        let outcome = Mutex<(chunks: Int, threw: Bool)>((0, false))
        let router = makeRouter { router in
            router.add(.get, "/forever") { _ in
                HTTPResponse(
                    status: 200,
                    body: .stream { writer in
                        let chunk = [UInt8](repeating: 120, count: 64 * 1024)
                        do {
                            while true {
                                try await writer.write(chunk)
                                outcome.withLock { $0.chunks += 1 }
                            }
                        } catch {
                            outcome.withLock { $0.threw = true }
                            throw error
                        }
                    }
                )
            }
        }
        try await withServer(router: router) { server in
            let client = try RawClient(port: server.port)
            await client.send("GET /forever HTTP/1.1\r\nHost: t\r\n\r\n")
            // Not reading: backpressure holds the writer to the socket buffers plus 256 KiB.
            #expect(await eventually { outcome.withLock { $0.chunks } > 0 })
            try await Task.sleep(for: .milliseconds(200))
            let stalled = outcome.withLock { $0.chunks }
            #expect(stalled < 200, "the writer ran ahead: \(stalled) chunks of 64 KiB")
            client.disconnect()
            #expect(await eventually { outcome.withLock { $0.threw } })
        }
    }

    @Test(arguments: ["/fast", "/nope"])
    func answersAClientThatHalfClosesAfterItsRequest(_ path: String) async throws {
        try await withServer(router: makeRouter(Self.routes)) { server in
            let client = try RawClient(port: server.port)
            await client.send("GET \(path) HTTP/1.1\r\nHost: t\r\n\r\n")
            client.shutdownWrite()
            let response = await client.response()
            #expect(response?.status == (path == "/fast" ? 200 : 404))
            // The EOF may be read before or after the answer is made; either way the answer arrives, then the end.
            #expect(await client.waitForEOF())
        }
    }
}
