internal import CLinuxShim
internal import Glibc
import Synchronization

/// HTTP/1.1 requests: parsing events, routing, bodies, handlers and responses (on the loop).
extension Connection {
    func processHTTP() {
        // Re-entrancy guard: a response finished synchronously resumes the outer loop instead of recursing.
        guard !self.processing else { return }
        self.processing = true
        defer { self.processing = false }
        // Responses the client does not read stop the parsing (and, through `updateInterest`, the reading) of
        // further pipelined requests, so a client that only writes cannot grow the output without bound.
        while self.phase == .http && !self.inFlight && self.out.bytes < Self.streamHighWater {
            let event: HTTPRequestParser.Event?
            do {
                event = try self.parser.next()
            } catch {
                self.failHTTP(error)
                return
            }
            guard let event else { break }
            switch event {
            case .head(let head):
                self.headStartedAt = nil
                self.begin(head)
            case .body(let chunk):
                self.receiveBody(chunk)
            case .end:
                self.dispatch()
            }
        }
    }

    func failHTTP(_ error: HTTPParseError) {
        self.cleanUpSpool()
        self.current = nil
        let response = HTTPResponse.error(error.status, code: error.code, message: error.message)
        self.writeResponseHead(response, body: response.bytesBody, keepAlive: false, versionMinor: 1, isHead: false)
        self.enterClosing()
    }

    func begin(_ head: HTTPRequestHead) {
        guard HTTPMethod.supported.contains(head.method) else {
            self.failHTTP(
                HTTPParseError(
                    status: 501,
                    code: "not_implemented",
                    message: "method \(head.method) is not implemented"
                )
            )
            return
        }
        guard let target = RequestTarget(head.target) else {
            self.failHTTP(.bad("malformed percent-encoding in the request target"))
            return
        }
        let wantsWebSocket = head.headers.containsToken("websocket", in: "Upgrade")
        let hasBody: Bool
        let declared: Int?
        switch head.framing {
        case .none: (hasBody, declared) = (false, 0)
        case .length(let n): (hasBody, declared) = (n > 0, n)
        case .chunked: (hasBody, declared) = (true, nil)
        }
        var pending: PendingRequest
        switch self.server.router.match(head.method, segments: target.segments, wantsWebSocket: wantsWebSocket) {
        case .miss(let miss):
            let request = self.makeRequest(head: head, target: target, parameters: [:], body: [], bodyFile: nil)
            pending = PendingRequest(
                head: head,
                target: target,
                parameters: [:],
                kind: .fixed(self.missResponse(miss, request)),
                limit: 0
            )
        case .route(.http(let policy, let handler), let parameters):
            if let declared, declared > policy.limit {
                self.failHTTP(Self.tooLarge(policy.limit))
                return
            }
            pending = PendingRequest(
                head: head,
                target: target,
                parameters: parameters,
                kind: .http(handler),
                limit: policy.limit
            )
            // Even an empty body gets its (empty) file, so a spooling handler always has `bodyFile`.
            if case .spoolToFile = policy {
                guard let (fd, path) = Self.makeSpoolFile() else {
                    self.failHTTP(HTTPParseError(status: 503, code: "unavailable", message: "cannot store the upload"))
                    return
                }
                pending.spoolFD = fd
                pending.spoolPath = path
            }
        case .route(.webSocket(let handler), let parameters):
            switch self.upgradeProblem(head) {
            case .some(let response):
                pending = PendingRequest(
                    head: head,
                    target: target,
                    parameters: parameters,
                    kind: .fixed(response),
                    limit: 0
                )
            case .none:
                let key = head.headers["Sec-WebSocket-Key"] ?? ""
                pending = PendingRequest(
                    head: head,
                    target: target,
                    parameters: parameters,
                    kind: .webSocket(handler, key: key),
                    limit: 0
                )
            }
        }
        if case .fixed(let response) = pending.kind, hasBody {
            // An answer that does not depend on the body: send it now and close instead of reading the body.
            self.writeResponseHead(
                response,
                body: response.bytesBody,
                keepAlive: false,
                versionMinor: head.versionMinor,
                isHead: head.method == .head
            )
            self.enterClosing()
            return
        }
        if case .webSocket = pending.kind, hasBody {
            self.failHTTP(.bad("an upgrade request has no body"))
            return
        }
        if head.expectsContinue && hasBody && head.versionMinor >= 1 {
            self.enqueue(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
        }
        self.current = pending
    }

    static func tooLarge(_ limit: Int) -> HTTPParseError {
        HTTPParseError(status: 413, code: "payload_too_large", message: "the request body exceeds \(limit) bytes")
    }

    func missResponse(_ miss: RouteMiss, _ request: HTTPRequest) -> HTTPResponse {
        if let fallback = self.server.router.fallback { return fallback(request, miss) }
        switch miss {
        case .notFound:
            return .error(404, code: "not_found", message: "no route for \(request.path)")
        case .methodNotAllowed(let allowed):
            var response = HTTPResponse.error(
                405,
                code: "method_not_allowed",
                message: "method \(request.method) is not allowed here"
            )
            response.headers.replace("Allow", allowed.map(\.rawValue).joined(separator: ", "))
            return response
        }
    }

    /// Why an upgrade request cannot be accepted (RFC 6455 §4.2.1), as the response to send; nil when it is valid.
    func upgradeProblem(_ head: HTTPRequestHead) -> HTTPResponse? {
        let headers = head.headers
        guard head.method == .get, head.versionMinor >= 1, headers.containsToken("websocket", in: "Upgrade"),
            headers.containsToken("upgrade", in: "Connection")
        else {
            var response = HTTPResponse.error(
                426,
                code: "upgrade_required",
                message: "this endpoint speaks WebSocket only"
            )
            response.headers.replace("Upgrade", "websocket")
            return response
        }
        guard headers["Sec-WebSocket-Version"]?.trimmingCharacters() == "13" else {
            var response = HTTPResponse.error(
                426,
                code: "upgrade_required",
                message: "only WebSocket version 13 is supported"
            )
            response.headers.replace("Sec-WebSocket-Version", "13")
            return response
        }
        guard let key = headers["Sec-WebSocket-Key"], WebSocketHandshake.isValidKey(key) else {
            return .error(400, code: "invalid_request", message: "missing or malformed Sec-WebSocket-Key")
        }
        if let check = self.server.configuration.originCheck, !check(headers["Origin"]) {
            return .error(403, code: "forbidden", message: "origin not allowed")
        }
        return nil
    }

    func receiveBody(_ chunk: [UInt8]) {
        guard let pending0 = self.current else { return }
        var pending = pending0
        pending.bodyCount += chunk.count
        self.current?.bodyCount = pending.bodyCount
        guard pending.bodyCount <= pending.limit else {
            self.failHTTP(Self.tooLarge(pending.limit))
            return
        }
        guard case .http = pending.kind else { return }
        if pending.spoolFD >= 0 {
            guard Self.writeAll(pending.spoolFD, chunk) else {
                self.failHTTP(HTTPParseError(status: 503, code: "unavailable", message: "cannot store the upload"))
                return
            }
        } else {
            self.current?.body.append(contentsOf: chunk)
        }
    }

    func makeRequest(
        head: HTTPRequestHead,
        target: RequestTarget,
        parameters: [String: String],
        body: [UInt8],
        bodyFile: String?
    ) -> HTTPRequest {
        HTTPRequest(
            method: head.method,
            path: target.path,
            target: head.target,
            queryItems: target.queryItems.map { (name: $0.name, value: $0.value) },
            headers: head.headers,
            body: body,
            bodyFile: bodyFile,
            pathParameters: parameters,
            remoteAddress: self.remoteAddress
        )
    }

    func dispatch() {
        guard var pending = self.current else { return }
        self.inFlight = true
        self.readPaused = true
        if pending.spoolFD >= 0 {
            close(pending.spoolFD)
            pending.spoolFD = -1
            self.current?.spoolFD = -1
            // The handler's task owns the file from here and deletes it when the handler returns.
            self.current?.spoolPath = nil
        }
        let request = self.makeRequest(
            head: pending.head,
            target: pending.target,
            parameters: pending.parameters,
            body: pending.body,
            bodyFile: pending.spoolPath
        )
        self.current?.body = []
        let loop = self.loop
        let bound = LoopBound(self)
        let isHead = pending.head.method == .head
        switch pending.kind {
        case .fixed(let response):
            self.complete(response)
        case .http(let handler):
            let spoolPath = pending.spoolPath
            Task {
                let response = await handler(request)
                if let spoolPath { unlink(spoolPath) }
                switch response.body {
                case .bytes:
                    loop.execute { bound.value.complete(response) }
                case .stream(let produce):
                    loop.execute { bound.value.startStream(response) }
                    let writer = ResponseBodyWriter(loop: loop, connection: bound)
                    do {
                        if !isHead { try await produce(writer) }
                        loop.execute { bound.value.finishStream(succeeded: true) }
                    } catch {
                        loop.execute { bound.value.finishStream(succeeded: false) }
                    }
                }
            }
        case .webSocket(let handler, let key):
            Task {
                let decision = await handler(request)
                loop.execute { bound.value.finishUpgrade(decision, key: key) }
            }
        }
    }

    func keepAlive(for response: HTTPResponse, head: HTTPRequestHead) -> Bool {
        head.keepAlive && !self.peerHalfClosed && !self.server.draining.load(ordering: .relaxed)
            && !response.headers.containsToken("close", in: "Connection")
    }

    func writeResponseHead(
        _ response: HTTPResponse,
        body: [UInt8]?,
        keepAlive: Bool,
        versionMinor: Int,
        isHead: Bool
    ) {
        var bytes = ResponseSerializer.head(
            response,
            contentLength: body?.count,
            keepAlive: keepAlive,
            versionMinor: versionMinor,
            date: self.loop.httpDate
        )
        if let body, !isHead { bytes += body }
        self.enqueue(bytes)
    }

    /// A handler's buffered response, on the loop.
    func complete(_ response: HTTPResponse) {
        guard self.phase == .http, self.inFlight, let pending = self.current else { return }
        let keepAlive = self.keepAlive(for: response, head: pending.head)
        self.writeResponseHead(
            response,
            body: response.bytesBody,
            keepAlive: keepAlive,
            versionMinor: pending.head.versionMinor,
            isHead: pending.head.method == .head
        )
        self.finishRequest(keepAlive: keepAlive)
    }

    func finishRequest(keepAlive: Bool) {
        self.current = nil
        self.inFlight = false
        self.lastActivity = EventLoop.now()
        if !keepAlive {
            self.enterClosing()
            return
        }
        self.readPaused = self.peerHalfClosed
        if self.parser.bufferedCount > 0 { self.headStartedAt = self.lastActivity }
        self.processHTTP()
        self.flush()
        self.updateInterest()
        if self.peerHalfClosed && !self.inFlight && self.phase == .http { self.enterClosing() }
    }

    func startStream(_ response: HTTPResponse) {
        guard self.phase == .http, self.inFlight, let pending = self.current else { return }
        self.streamKeepAlive = self.keepAlive(for: response, head: pending.head)
        self.streamIsHead = pending.head.method == .head
        self.writeResponseHead(
            response,
            body: nil,
            keepAlive: self.streamKeepAlive,
            versionMinor: pending.head.versionMinor,
            isHead: self.streamIsHead
        )
        self.flush()
        self.updateInterest()
    }

    /// One streamed chunk, on the loop; resumes the writer once the output is below the high-water mark.
    func writeChunk(_ bytes: [UInt8], continuation: CheckedContinuation<Void, any Error>) {
        guard self.phase == .http, self.inFlight else {
            continuation.resume(throwing: ConnectionClosedError())
            return
        }
        self.enqueue(Array(String(bytes.count, radix: 16).utf8) + [13, 10] + bytes + [13, 10])
        self.chunkWaiters.append(continuation)
        self.flush()
        self.updateInterest()
        if self.out.bytes < Self.streamHighWater { self.resumeChunkWaiters(failing: false) }
    }

    func finishStream(succeeded: Bool) {
        guard self.phase == .http, self.inFlight else { return }
        guard succeeded else {
            // The body is cut short; closing without the last chunk tells the client it is incomplete.
            self.finishRequest(keepAlive: false)
            return
        }
        if !self.streamIsHead { self.enqueue(Array("0\r\n\r\n".utf8)) }
        self.finishRequest(keepAlive: self.streamKeepAlive)
        self.flush()
        self.updateInterest()
    }

    func resumeChunkWaiters(failing: Bool) {
        let waiters = self.chunkWaiters
        self.chunkWaiters = []
        for waiter in waiters {
            if failing { waiter.resume(throwing: ConnectionClosedError()) } else { waiter.resume() }
        }
    }

    func cleanUpSpool() {
        guard let pending = self.current else { return }
        if pending.spoolFD >= 0 { close(pending.spoolFD) }
        if let path = pending.spoolPath { unlink(path) }
        self.current?.spoolFD = -1
        self.current?.spoolPath = nil
    }

    static func makeSpoolFile() -> (Int32, String)? {
        let directory = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        // mkstemp replaces the trailing six X's with a unique suffix.
        var template = Array("\(directory)/incident-upload-\(String(repeating: "X", count: 6))".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { return nil }
        return (fd, String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { p in
            var offset = 0
            while offset < p.count {
                let n = write(fd, p.baseAddress! + offset, p.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += n
            }
            return true
        }
    }
}
