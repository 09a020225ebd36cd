internal import CLinuxShim
internal import Glibc
import Synchronization

/// Carrying out the HTTP machine's actions: responses to the socket, head checks and handlers in tasks, bodies to
/// memory or to the spool, streamed responses (on the loop).
extension Connection {
    func performHTTPActions() {
        // Actions may lead to more (a finished response resumes the parser): take them in batches until none remain.
        while !self.httpActions.isEmpty {
            let actions = self.httpActions
            self.httpActions.removeAll(keepingCapacity: true)
            for action in actions { self.perform(action) }
        }
    }

    private func perform(_ action: HTTPConnectionMachine.Action) {
        switch action {
        case .respond(let response, let versionMinor, let isHead, let keepAlive):
            self.writeResponseHead(
                response, body: response.bytesBody, keepAlive: keepAlive, versionMinor: versionMinor, isHead: isHead)
        case .sendContinue:
            self.enqueue(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
        case .check(let check, let request):
            self.runCheck(check, request)
        case .openSpool:
            self.spool = UploadSpool()
            self.spoolPending = 0
            self.spoolFailed = false
        case .body(let chunk):
            if let spool = self.spool {
                self.spoolPending += chunk.count
                let bound = LoopBound(self)
                spool.write(chunk, loop: self.loop) { count, succeeded in bound.value.spooled(count, succeeded) }
            } else {
                self.body.append(contentsOf: chunk)
            }
        case .dispatch(let request):
            self.dispatch(request)
        case .closeAfterFlush:
            self.enterClosing()
        case .closeNow:
            self.closeNow()
        }
    }

    var draining: Bool { self.server.draining.load(ordering: .relaxed) }

    // MARK: - Head checks and handlers

    private func runCheck(_ check: @escaping HeadChecker, _ request: HTTPConnectionMachine.Request) {
        let probe = HTTPConnectionMachine.handlerRequest(
            head: request.head, target: request.target, parameters: request.parameters,
            remoteAddress: self.remoteAddress)
        let loop = self.loop
        let bound = LoopBound(self)
        Task {
            let decision = await check(probe)
            loop.execute { bound.value.checked(decision) }
        }
    }

    func checked(_ decision: HeadCheck) {
        guard self.phase == .http else { return }
        self.http.checked(decision, now: EventLoop.now(), draining: self.draining, into: &self.httpActions)
        self.performHTTPActions()
        self.flush()
        self.updateInterest()
    }

    private func dispatch(_ request: HTTPConnectionMachine.Request) {
        if let spool = self.spool {
            // The handler gets the file once the disk has everything.
            self.spool = nil
            self.awaitingSpool = request
            let bound = LoopBound(self)
            spool.finish(loop: self.loop) { path in bound.value.spoolFinished(path) }
            return
        }
        let body = self.body
        self.body = []
        self.run(request, body: body, bodyFile: nil)
    }

    private func run(_ request: HTTPConnectionMachine.Request, body: [UInt8], bodyFile: String?) {
        let handlerRequest = HTTPConnectionMachine.handlerRequest(
            head: request.head, target: request.target, parameters: request.parameters,
            remoteAddress: self.remoteAddress, body: body, bodyFile: bodyFile, context: request.context,
            eventLoop: self.loop)
        let loop = self.loop
        let bound = LoopBound(self)
        switch request.route {
        case .fixed(let response):
            self.handlerFinished(response)
        case .http(_, _, let handler):
            Task {
                let response = await handler(handlerRequest)
                // The handler's task owns the spooled file and deletes it when the handler returns.
                if let bodyFile { unlink(bodyFile) }
                switch response.body {
                case .bytes:
                    loop.execute { bound.value.handlerFinished(response) }
                case .stream(let produce):
                    loop.execute { bound.value.startStream(response) }
                    let writer = ResponseBodyWriter(loop: loop, connection: bound)
                    do {
                        if !request.isHead { try await produce(writer) }
                        loop.execute { bound.value.finishStream(succeeded: true) }
                    } catch {
                        loop.execute { bound.value.finishStream(succeeded: false) }
                    }
                }
            }
        case .webSocket(let handler, let key):
            Task {
                let decision = await handler(handlerRequest)
                loop.execute { bound.value.finishUpgrade(decision, key: key) }
            }
        }
    }

    /// A handler's buffered response, on the loop.
    func handlerFinished(_ response: HTTPResponse) {
        guard self.phase == .http else { return }
        self.lastActivity = EventLoop.now()
        self.http.responded(response, now: self.lastActivity, draining: self.draining, into: &self.httpActions)
        self.performHTTPActions()
        self.flush()
        self.updateInterest()
    }

    // MARK: - The spool

    func spooled(_ count: Int, _ succeeded: Bool) {
        self.spoolPending -= count
        if !succeeded && !self.spoolFailed {
            self.spoolFailed = true
            self.failSpool()
            return
        }
        self.flush()
        self.updateInterest()
    }

    func spoolFinished(_ path: String?) {
        guard self.phase == .http, let request = self.awaitingSpool else {
            if let path { unlink(path) }
            return
        }
        self.awaitingSpool = nil
        guard let path else {
            self.failSpool()
            return
        }
        self.run(request, body: [], bodyFile: path)
    }

    private func failSpool() {
        self.discardSpool()
        self.http.fail(
            HTTPParseError(status: 503, code: "unavailable", message: "cannot store the upload"),
            into: &self.httpActions)
        self.performHTTPActions()
        self.flush()
        self.updateInterest()
    }

    func discardSpool() {
        self.spool?.discard()
        self.spool = nil
        self.awaitingSpool = nil
    }

    // MARK: - Responses

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

    func startStream(_ response: HTTPResponse) {
        guard self.phase == .http, let stream = self.http.startStream(response, draining: self.draining) else {
            return
        }
        self.streamIsHead = stream.isHead
        self.writeResponseHead(
            response, body: nil, keepAlive: stream.keepAlive, versionMinor: stream.versionMinor, isHead: stream.isHead)
        self.flush()
        self.updateInterest()
    }

    /// One streamed chunk, on the loop; resumes the writer once the output is below the high-water mark.
    func writeChunk(_ bytes: [UInt8], continuation: CheckedContinuation<Void, any Error>) {
        guard self.phase == .http, self.http.isBusy else {
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
        guard self.phase == .http else { return }
        // A failed stream ends without its last chunk, which tells the client the body is incomplete.
        if succeeded && !self.streamIsHead { self.enqueue(Array("0\r\n\r\n".utf8)) }
        self.lastActivity = EventLoop.now()
        self.http.streamFinished(
            succeeded: succeeded, now: self.lastActivity, draining: self.draining, into: &self.httpActions)
        self.performHTTPActions()
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
}
