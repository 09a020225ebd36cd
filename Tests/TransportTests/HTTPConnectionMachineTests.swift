import Testing

@testable import Transport

/// HTTP/1.1 on one connection without sockets: bytes, decisions and times in, actions out.
struct HTTPConnectionMachineTests {
    static let second: UInt64 = 1_000_000_000
    static let timing = HTTPConnectionMachine.Timing(
        headerTimeout: 10 * second, idleTimeout: 60 * second, bodyWindow: 10 * second, minimumBodyBytes: 8192)

    static func router() -> Router {
        let router = Router()
        router.add(.get, "/fast") { _ in .text(200, "fast") }
        router.add(.post, "/echo", body: .buffer(limit: 64)) { request in .text(200, "\(request.body.count)") }
        router.add(.post, "/upload", body: .spoolToFile(limit: 1 << 20), check: { _ in .proceed(context: nil) }) { _ in
            .empty(201)
        }
        router.addWebSocket("/ws") { _ in .reject(.empty(401)) }
        return router
    }

    static func machine(now: UInt64 = 0, router: Router = router()) -> HTTPConnectionMachine {
        HTTPConnectionMachine(router: router, timing: Self.timing, originCheck: nil, now: now)
    }

    /// A compact description of actions, for comparisons.
    static func describe(_ actions: [HTTPConnectionMachine.Action]) -> [String] {
        actions.map { action in
            switch action {
            case .respond(let response, _, _, let keepAlive): "respond \(response.status)\(keepAlive ? "" : " close")"
            case .sendContinue: "continue"
            case .check(_, let request): "check \(request.target.path)"
            case .openSpool: "spool"
            case .body(let bytes): "body \(bytes.count)"
            case .dispatch(let request): "dispatch \(request.target.path)"
            case .closeAfterFlush: "close after flush"
            case .closeNow: "close now"
            }
        }
    }

    @Test func runsOneRequestAtATimeAndThenThePipelinedOne() {
        var machine = Self.machine()
        let actions = machine.receive(
            "GET /fast HTTP/1.1\r\nHost: t\r\n\r\nGET /fast HTTP/1.1\r\nHost: t\r\n\r\n", now: 1)
        #expect(Self.describe(actions) == ["dispatch /fast"])
        #expect(!machine.wantsInput)
        var next: [HTTPConnectionMachine.Action] = []
        machine.responded(.text(200, "fast"), now: 2, draining: false, into: &next)
        #expect(Self.describe(next) == ["respond 200", "dispatch /fast"])
    }

    @Test func answersAMissWithoutAHandler() {
        var machine = Self.machine()
        let actions = machine.receive("GET /nowhere HTTP/1.1\r\nHost: t\r\n\r\n", now: 1)
        #expect(Self.describe(actions) == ["respond 404"])
        #expect(machine.wantsInput)
    }

    @Test func refusesABodyOverTheLimitFromItsDeclaredLength() {
        var machine = Self.machine()
        let actions = machine.receive("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 65\r\n\r\n", now: 1)
        #expect(Self.describe(actions) == ["respond 413 close", "close after flush"])
    }

    @Test func aCheckedRouteDecidesBeforeTheBodyAndBeforeContinue() {
        var machine = Self.machine()
        let head = "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"
        #expect(Self.describe(machine.receive(head, now: 1)) == ["check /upload"])
        // Nothing is read while the check runs, even bytes sent without waiting for 100 Continue.
        #expect(!machine.wantsInput)
        var refused: [HTTPConnectionMachine.Action] = []
        machine.checked(.reject(.empty(401)), now: 2, draining: false, into: &refused)
        #expect(Self.describe(refused) == ["respond 401 close", "close after flush"])
        #expect(!machine.wantsInput)
    }

    @Test func aPassedCheckSendsContinueAndReadsTheBody() {
        var machine = Self.machine()
        let head = "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"
        _ = machine.receive(head, now: 1)
        var actions: [HTTPConnectionMachine.Action] = []
        machine.checked(.proceed(context: "alice"), now: 2, draining: false, into: &actions)
        #expect(Self.describe(actions) == ["spool", "continue"])
        let body = machine.receive("hello", now: 3)
        #expect(Self.describe(body) == ["body 5", "dispatch /upload"])
        guard case .dispatch(let request)? = body.last else { return }
        #expect(request.context as? String == "alice")
    }

    @Test func aBodyThatTricklesIsTimedOut() {
        var machine = Self.machine()
        _ = machine.receive("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 60\r\n\r\n", now: 0)
        // One byte a second: under 8 KiB in the first 10 s window.
        for second in 1...9 { #expect(machine.receive("x", now: UInt64(second) * Self.second).count == 1) }
        #expect(Self.describe(machine.tick(now: 10 * Self.second)) == ["respond 408 close", "close after flush"])
    }

    @Test func aBodyThatKeepsItsRateIsNotTimedOut() {
        var machine = HTTPConnectionMachine(
            router: Self.router(),
            timing: .init(
                headerTimeout: 10 * Self.second, idleTimeout: 60 * Self.second, bodyWindow: 10 * Self.second,
                minimumBodyBytes: 10),
            originCheck: nil, now: 0)
        _ = machine.receive("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 60\r\n\r\n", now: 0)
        for window in 1...5 {
            _ = machine.receive(String(repeating: "x", count: 10), now: UInt64(window) * 10 * Self.second - 1)
            #expect(machine.tick(now: UInt64(window) * 10 * Self.second).isEmpty)
        }
        let end = machine.receive(String(repeating: "x", count: 10), now: 55 * Self.second)
        #expect(Self.describe(end) == ["body 10", "dispatch /echo"])
    }

    @Test func aHeadThatTakesTooLongIsAnswered408() {
        var machine = Self.machine()
        #expect(machine.receive("GET /fast HTTP/1.1\r\nHo", now: 1).isEmpty)
        #expect(machine.tick(now: 5 * Self.second).isEmpty)
        #expect(Self.describe(machine.tick(now: 11 * Self.second)) == ["respond 408 close", "close after flush"])
    }

    @Test func anIdleKeepAliveConnectionIsClosedWithoutAWord() {
        var machine = Self.machine()
        #expect(machine.tick(now: 59 * Self.second).isEmpty)
        #expect(Self.describe(machine.tick(now: 61 * Self.second)) == ["close now"])
    }

    @Test func aHalfClosedPeerIsAnsweredThenTheConnectionCloses() {
        var machine = Self.machine()
        _ = machine.receive("GET /fast HTTP/1.1\r\nHost: t\r\n\r\n", now: 1)
        var actions: [HTTPConnectionMachine.Action] = []
        machine.peerEndedInput(now: 2, into: &actions)
        #expect(actions.isEmpty)
        machine.responded(.text(200, "fast"), now: 3, draining: false, into: &actions)
        #expect(Self.describe(actions) == ["respond 200 close", "close after flush"])
    }

    @Test func drainingAnswersWithConnectionClose() {
        var machine = Self.machine()
        _ = machine.receive("GET /fast HTTP/1.1\r\nHost: t\r\n\r\n", now: 1)
        var actions: [HTTPConnectionMachine.Action] = []
        machine.responded(.text(200, "fast"), now: 2, draining: true, into: &actions)
        #expect(Self.describe(actions) == ["respond 200 close", "close after flush"])
    }

    @Test func aRefusedUpgradeIsAnOrdinaryResponse() {
        var machine = Self.machine()
        let upgrade =
            "GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        #expect(Self.describe(machine.receive(upgrade, now: 1)) == ["dispatch /ws"])
        var actions: [HTTPConnectionMachine.Action] = []
        machine.responded(.empty(401), now: 2, draining: false, into: &actions)
        #expect(Self.describe(actions) == ["respond 401"])
    }

    @Test(arguments: 1...13)
    func parsesTheSameRequestWhateverTheChunkSize(_ chunk: Int) {
        var machine = Self.machine()
        let bytes = Array(
            "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n".utf8)
        var actions: [HTTPConnectionMachine.Action] = []
        var offset = 0
        while offset < bytes.count {
            let piece = Array(bytes[offset..<min(bytes.count, offset + chunk)])
            piece.withUnsafeBytes { machine.receive($0, now: 1, draining: false, into: &actions) }
            offset += chunk
        }
        let bodies = actions.reduce(0) { total, action in
            if case .body(let bytes) = action { return total + bytes.count }
            return total
        }
        #expect(bodies == 5)
        #expect(Self.describe(actions).last == "dispatch /echo")
    }
}
