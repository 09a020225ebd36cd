import HTTPCore
/// HTTP/1.1 on one connection, with no I/O: bytes, handler results and ticks in; what to write, run and close out.
///
/// It owns the request parser and the life of each request: routing, the head check that may refuse a request
/// before its body is read, `100 Continue`, body limits and the minimum body rate, the keep-alive decision and the
/// timeouts. Requests are served one at a time; pipelined ones wait in the parser until the response before them
/// is out. Time is a parameter (monotonic nanoseconds), so every deadline is tested without sockets or sleeps.
/// `Connection` carries the actions out (sockets, handler tasks, spool files) and reports back.
struct HTTPConnectionMachine {
    /// The deadlines and rates, in nanoseconds and bytes.
    struct Timing: Sendable {
        /// Time allowed for a complete request head from its first byte (slowloris).
        var headerTimeout: UInt64
        /// A keep-alive connection with no request for this long is closed.
        var idleTimeout: UInt64
        /// A body must bring at least `minimumBodyBytes` in every window of this length (nginx's
        /// `client_body_timeout`, turned into a rate so that a byte every few seconds does not keep it open).
        var bodyWindow: UInt64
        var minimumBodyBytes: Int
    }

    /// How the request at hand is served.
    enum Route {
        case http(BodyPolicy, check: HeadChecker?, handler: HTTPHandler)
        case webSocket(WebSocketHandler, key: String)
        /// An answer that does not depend on the body (404, 405, 426 ...).
        case fixed(HTTPResponse)
    }

    /// The request being received or served.
    struct Request {
        var head: HTTPRequestHead
        var target: RequestTarget
        var parameters: [String: String]
        var route: Route
        /// The body bytes allowed (0 for routes that take none).
        var limit: Int
        /// Body bytes received so far.
        var received = 0
        /// What the head check learned, handed to the handler.
        var context: (any Sendable)?

        var isHead: Bool { self.head.method == .head }
    }

    enum Action {
        /// Write this response whole; the connection closes after it unless `keepAlive`.
        case respond(HTTPResponse, versionMinor: Int, isHead: Bool, keepAlive: Bool)
        case sendContinue
        /// Run the route's head check on the request (no body yet), then call `checked`.
        case check(HeadChecker, Request)
        /// A spooling route's body is about to arrive: open its file.
        case openSpool
        /// A piece of the body, for the buffer or the spool.
        case body([UInt8])
        /// The body is complete: run the handler (or decide the upgrade), then call `responded` or `startStream`.
        case dispatch(Request)
        /// Flush the output, then close (after the last response).
        case closeAfterFlush
        /// Close at once, with nothing to say (an idle keep-alive connection).
        case closeNow
    }

    private enum Phase {
        /// Between requests, since the last one ended.
        case waiting(since: UInt64)
        /// A head has started arriving.
        case readingHead(since: UInt64)
        /// The route's head check runs; the body waits in the kernel.
        case checking(Request)
        /// The body arrives; at least `minimumBodyBytes` per window since `windowStart`.
        case readingBody(Request, windowStart: UInt64, windowBytes: Int)
        /// The handler runs (or the upgrade is decided).
        case handling(Request)
        /// A streamed response is being written.
        case streaming(keepAlive: Bool)
        /// Nothing more: closing, or upgraded to another protocol.
        case done
    }

    private(set) var parser = HTTPRequestParser()
    private var phase: Phase
    private let timing: Timing
    private let router: Router
    /// Decides on a WebSocket upgrade's `Origin`; nil accepts every origin.
    private let originCheck: (@Sendable (String?) -> Bool)?
    /// The peer half-closed: answer what was asked, then close.
    private(set) var peerHalfClosed = false

    init(router: Router, timing: Timing, originCheck: (@Sendable (String?) -> Bool)?, now: UInt64) {
        self.router = router
        self.timing = timing
        self.originCheck = originCheck
        self.phase = .waiting(since: now)
    }

    /// Whether input should be read now: not while a head check or a handler runs (pipelined requests then wait
    /// in the kernel, which bounds what a client can make the server buffer), and not once it is over.
    var wantsInput: Bool {
        guard !self.peerHalfClosed else { return false }
        switch self.phase {
        case .waiting, .readingHead, .readingBody: return true
        case .checking, .handling, .streaming, .done: return false
        }
    }

    /// True while a handler or a head check runs, or a stream is written.
    var isBusy: Bool {
        switch self.phase {
        case .checking, .handling, .streaming: true
        case .waiting, .readingHead, .readingBody, .done: false
        }
    }

    /// True between requests with nothing buffered: a graceful shutdown may close the connection now.
    var isIdle: Bool {
        if case .waiting = self.phase { return self.parser.bufferedCount == 0 }
        return false
    }

    /// The bytes after a completed upgrade request belong to the new protocol.
    mutating func takeUpgradeRemainder() -> [UInt8] {
        self.phase = .done
        defer { self.parser = HTTPRequestParser() }
        return self.parser.takeRemaining()
    }

    // MARK: - Inputs

    /// Bytes from the peer; parses as far as the current request allows.
    mutating func receive(
        _ bytes: UnsafeRawBufferPointer, now: UInt64, draining: Bool, into actions: inout [Action]
    ) {
        self.parser.append(bytes)
        self.advance(now: now, draining: draining, into: &actions)
    }

    /// The peer ended its side; what was asked is still answered.
    mutating func peerEndedInput(now: UInt64, into actions: inout [Action]) {
        self.peerHalfClosed = true
        switch self.phase {
        case .waiting, .readingHead, .readingBody:
            // Nothing in progress (or a request that can never complete): there is no one to answer.
            self.phase = .done
            actions.append(.closeAfterFlush)
        case .checking, .handling, .streaming, .done:
            break
        }
    }

    /// The head check's decision.
    mutating func checked(_ decision: HeadCheck, now: UInt64, draining: Bool, into actions: inout [Action]) {
        guard case .checking(var request) = self.phase else { return }
        switch decision {
        case .reject(let response):
            // The body is never read: answer and close (the linger discards at most a little of it).
            self.phase = .done
            actions.append(.respond(response, versionMinor: request.head.versionMinor, isHead: false, keepAlive: false))
            actions.append(.closeAfterFlush)
        case .proceed(let context):
            request.context = context
            self.startBody(request, now: now, into: &actions)
            self.advance(now: now, draining: draining, into: &actions)
        }
    }

    /// The handler's buffered response, or the refusal of an upgrade; then the next pipelined request.
    mutating func responded(_ response: HTTPResponse, now: UInt64, draining: Bool, into actions: inout [Action]) {
        guard case .handling(let request) = self.phase else { return }
        self.respond(response, to: request, now: now, draining: draining, into: &actions)
        self.advance(now: now, draining: draining, into: &actions)
    }

    private mutating func respond(
        _ response: HTTPResponse, to request: Request, now: UInt64, draining: Bool, into actions: inout [Action]
    ) {
        let keepAlive = self.keepAlive(for: response, request: request, draining: draining)
        actions.append(
            .respond(response, versionMinor: request.head.versionMinor, isHead: request.isHead, keepAlive: keepAlive))
        if !self.finish(keepAlive: keepAlive, now: now) { actions.append(.closeAfterFlush) }
    }

    /// The handler's response is streamed: how to write its head, and whether the connection stays open after it.
    mutating func startStream(_ response: HTTPResponse, draining: Bool) -> (
        keepAlive: Bool, isHead: Bool, versionMinor: Int
    )? {
        guard case .handling(let request) = self.phase else { return nil }
        let keepAlive = self.keepAlive(for: response, request: request, draining: draining)
        self.phase = .streaming(keepAlive: keepAlive)
        return (keepAlive, request.isHead, request.head.versionMinor)
    }

    /// The streamed body ended; a failed stream is cut short, which tells the client it is incomplete.
    mutating func streamFinished(succeeded: Bool, now: UInt64, draining: Bool, into actions: inout [Action]) {
        guard case .streaming(let keepAlive) = self.phase else { return }
        if !self.finish(keepAlive: keepAlive && succeeded, now: now) { actions.append(.closeAfterFlush) }
        self.advance(now: now, draining: draining, into: &actions)
    }

    /// The request cannot be completed (its spool failed): answer with `error` and close.
    mutating func fail(_ error: HTTPParseError, into actions: inout [Action]) {
        let versionMinor: Int
        switch self.phase {
        case .checking(let request), .readingBody(let request, _, _), .handling(let request):
            versionMinor = request.head.versionMinor
        case .waiting, .readingHead, .streaming, .done:
            versionMinor = 1
        }
        guard !self.isDone else { return }
        self.phase = .done
        actions.append(.respond(Self.errorResponse(error), versionMinor: versionMinor, isHead: false, keepAlive: false))
        actions.append(.closeAfterFlush)
    }

    /// The upgrade was accepted: the connection speaks WebSocket from here on.
    mutating func upgraded() {
        self.phase = .done
    }

    /// Periodic: the head timeout, the body rate and the idle timeout.
    mutating func tick(now: UInt64, into actions: inout [Action]) {
        switch self.phase {
        case .waiting(let since):
            guard now &- since > self.timing.idleTimeout else { return }
            self.phase = .done
            actions.append(.closeNow)
        case .readingHead(let since):
            guard now &- since > self.timing.headerTimeout else { return }
            self.timeOut(into: &actions)
        case .readingBody(let request, let windowStart, let windowBytes):
            guard now &- windowStart >= self.timing.bodyWindow else { return }
            guard windowBytes >= self.timing.minimumBodyBytes else {
                self.timeOut(into: &actions)
                return
            }
            self.phase = .readingBody(request, windowStart: now, windowBytes: 0)
        case .checking, .handling, .streaming, .done:
            return
        }
    }

    // MARK: - Parsing

    private var isDone: Bool {
        if case .done = self.phase { return true }
        return false
    }

    /// Pulls parser events while the phase lets the request go on.
    private mutating func advance(now: UInt64, draining: Bool, into actions: inout [Action]) {
        while true {
            switch self.phase {
            case .waiting, .readingHead, .readingBody: break
            case .checking, .handling, .streaming, .done: return
            }
            let event: HTTPRequestParser.Event?
            do {
                event = try self.parser.next()
            } catch {
                self.fail(error, into: &actions)
                return
            }
            guard let event else {
                if case .waiting = self.phase, !self.parser.isBetweenRequests {
                    self.phase = .readingHead(since: now)
                }
                return
            }
            switch event {
            case .head(let head):
                self.begin(head, now: now, draining: draining, into: &actions)
            case .body(let chunk):
                guard case .readingBody(var request, let windowStart, let windowBytes) = self.phase else { continue }
                request.received += chunk.count
                guard request.received <= request.limit else {
                    self.fail(Self.tooLarge(request.limit), into: &actions)
                    return
                }
                self.phase = .readingBody(request, windowStart: windowStart, windowBytes: windowBytes + chunk.count)
                actions.append(.body(chunk))
            case .end:
                switch self.phase {
                case .readingBody(let request, _, _):
                    self.dispatch(request, now: now, draining: draining, into: &actions)
                case .waiting, .readingHead, .checking, .handling, .streaming, .done:
                    continue
                }
            }
        }
    }

    private mutating func begin(_ head: HTTPRequestHead, now: UInt64, draining: Bool, into actions: inout [Action]) {
        guard HTTPMethod.supported.contains(head.method) else {
            self.fail(
                HTTPParseError(
                    status: 501, code: "not_implemented", message: "method \(head.method) is not implemented"),
                into: &actions)
            return
        }
        guard let target = RequestTarget(head.target) else {
            self.fail(.bad("malformed percent-encoding in the request target"), into: &actions)
            return
        }
        let hasBody: Bool
        let declared: Int?
        switch head.framing {
        case .none: (hasBody, declared) = (false, 0)
        case .length(let n): (hasBody, declared) = (n > 0, n)
        case .chunked: (hasBody, declared) = (true, nil)
        }
        let wantsWebSocket = head.headers.containsToken("websocket", in: "Upgrade")
        var request: Request
        switch self.router.match(head.method, segments: target.segments, wantsWebSocket: wantsWebSocket) {
        case .miss(let miss):
            let probe = Self.handlerRequest(head: head, target: target, parameters: [:], remoteAddress: "")
            request = Request(
                head: head, target: target, parameters: [:], route: .fixed(self.missResponse(miss, probe)),
                limit: 0)
        case .route(.http(let policy, let check, let handler), let parameters):
            if let declared, declared > policy.limit {
                self.fail(Self.tooLarge(policy.limit), into: &actions)
                return
            }
            request = Request(
                head: head, target: target, parameters: parameters,
                route: .http(policy, check: check, handler: handler), limit: policy.limit)
        case .route(.webSocket(let handler), let parameters):
            if let problem = self.upgradeProblem(head) {
                request = Request(head: head, target: target, parameters: parameters, route: .fixed(problem), limit: 0)
            } else {
                let key = head.headers["Sec-WebSocket-Key"] ?? ""
                request = Request(
                    head: head, target: target, parameters: parameters, route: .webSocket(handler, key: key), limit: 0)
            }
        }
        switch request.route {
        case .fixed(let response) where hasBody:
            // An answer that does not depend on the body: send it now and close instead of reading the body.
            self.phase = .done
            actions.append(
                .respond(response, versionMinor: head.versionMinor, isHead: request.isHead, keepAlive: false))
            actions.append(.closeAfterFlush)
        case .webSocket where hasBody:
            self.fail(.bad("an upgrade request has no body"), into: &actions)
        case .http(_, let check?, _) where hasBody:
            // Decided from the head (who is asking, may they write here) before a byte of the body is read.
            self.phase = .checking(request)
            actions.append(.check(check, request))
        case .fixed, .webSocket, .http:
            self.startBody(request, now: now, into: &actions)
        }
    }

    private mutating func startBody(_ request: Request, now: UInt64, into actions: inout [Action]) {
        if case .http(.spoolToFile, _, _) = request.route {
            // Even an empty body gets its (empty) file, so a spooling handler always has `bodyFile`.
            actions.append(.openSpool)
        }
        let head = request.head
        if head.expectsContinue && head.versionMinor >= 1 && head.framing != .none && head.framing != .length(0) {
            actions.append(.sendContinue)
        }
        self.phase = .readingBody(request, windowStart: now, windowBytes: 0)
    }

    private mutating func dispatch(_ request: Request, now: UInt64, draining: Bool, into actions: inout [Action]) {
        if case .fixed(let response) = request.route {
            // Answered here; the parsing loop goes on with the next pipelined request.
            self.respond(response, to: request, now: now, draining: draining, into: &actions)
            return
        }
        self.phase = .handling(request)
        actions.append(.dispatch(request))
    }

    /// Ends the request: true when the connection stays open for the next one.
    private mutating func finish(keepAlive: Bool, now: UInt64) -> Bool {
        guard keepAlive, !(self.peerHalfClosed && self.parser.bufferedCount == 0) else {
            self.phase = .done
            return false
        }
        self.phase = self.parser.bufferedCount > 0 ? .readingHead(since: now) : .waiting(since: now)
        return true
    }

    private func keepAlive(for response: HTTPResponse, request: Request, draining: Bool) -> Bool {
        request.head.keepAlive && !self.peerHalfClosed && !draining
            && !response.headers.containsToken("close", in: "Connection")
    }

    private mutating func timeOut(into actions: inout [Action]) {
        self.fail(
            HTTPParseError(status: 408, code: "request_timeout", message: "the request was not received in time"),
            into: &actions)
    }

    // MARK: - Answers that need no handler

    private func missResponse(_ miss: RouteMiss, _ request: HTTPRequest) -> HTTPResponse {
        if let fallback = self.router.fallback { return fallback(request, miss) }
        switch miss {
        case .notFound:
            return .error(404, code: "not_found", message: "no route for \(request.path)")
        case .methodNotAllowed(let allowed):
            var response = HTTPResponse.error(
                405, code: "method_not_allowed", message: "method \(request.method) is not allowed here")
            response.headers.replace("Allow", allowed.map(\.rawValue).joined(separator: ", "))
            return response
        }
    }

    /// Why an upgrade request cannot be accepted (RFC 6455 §4.2.1), as the response to send; nil when it is valid.
    private func upgradeProblem(_ head: HTTPRequestHead) -> HTTPResponse? {
        let headers = head.headers
        guard head.method == .get, head.versionMinor >= 1, headers.containsToken("websocket", in: "Upgrade"),
            headers.containsToken("upgrade", in: "Connection")
        else {
            var response = HTTPResponse.error(
                426, code: "upgrade_required", message: "this endpoint speaks WebSocket only")
            response.headers.replace("Upgrade", "websocket")
            return response
        }
        guard headers["Sec-WebSocket-Version"]?.trimmingSpaces == "13" else {
            var response = HTTPResponse.error(
                426, code: "upgrade_required", message: "only WebSocket version 13 is supported")
            response.headers.replace("Sec-WebSocket-Version", "13")
            return response
        }
        guard let key = headers["Sec-WebSocket-Key"], WebSocketHandshake.isValidKey(key) else {
            return .error(400, code: "invalid_request", message: "missing or malformed Sec-WebSocket-Key")
        }
        if let check = self.originCheck, !check(headers["Origin"]) {
            return .error(403, code: "forbidden", message: "origin not allowed")
        }
        return nil
    }

    // MARK: - Helpers

    static func tooLarge(_ limit: Int) -> HTTPParseError {
        HTTPParseError(status: 413, code: "payload_too_large", message: "the request body exceeds \(limit) bytes")
    }

    static func errorResponse(_ error: HTTPParseError) -> HTTPResponse {
        .error(error.status, code: error.code, message: error.message)
    }

    /// The request a handler sees.
    static func handlerRequest(
        head: HTTPRequestHead, target: RequestTarget, parameters: [String: String], remoteAddress: String,
        body: [UInt8] = [], bodyFile: String? = nil, context: (any Sendable)? = nil, eventLoop: EventLoop? = nil
    ) -> HTTPRequest {
        var request = HTTPRequest(
            method: head.method, path: target.path, target: head.target,
            queryItems: target.queryItems.map { (name: $0.name, value: $0.value) }, headers: head.headers, body: body,
            bodyFile: bodyFile, pathParameters: parameters, remoteAddress: remoteAddress)
        request.context = context
        request.eventLoop = eventLoop
        return request
    }
}

extension HTTPConnectionMachine {
    /// `receive` from an array, returning the actions (tests).
    mutating func receive(_ text: String, now: UInt64, draining: Bool = false) -> [Action] {
        var actions: [Action] = []
        Array(text.utf8).withUnsafeBytes { self.receive($0, now: now, draining: draining, into: &actions) }
        return actions
    }

    /// `tick` returning the actions (tests).
    mutating func tick(now: UInt64) -> [Action] {
        var actions: [Action] = []
        self.tick(now: now, into: &actions)
        return actions
    }
}

/// A route's handler.
typealias HTTPHandler = @Sendable (HTTPRequest) async -> HTTPResponse
/// A WebSocket route's upgrade decision.
typealias WebSocketHandler = @Sendable (HTTPRequest) async -> WebSocketUpgrade
/// A route's head check (`Router.add(..., check:)`).
typealias HeadChecker = @Sendable (HTTPRequest) async -> HeadCheck
