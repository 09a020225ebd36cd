import Testing
import Transport

/// The WebSocket protocol without sockets: bytes and times in, actions out.
struct WebSocketMachineTests {
    static let second: UInt64 = 1_000_000_000
    static let timing = WebSocketMachine.Timing(
        pingInterval: 30 * second, pongTimeout: 10 * second, closeTimeout: 5 * second)

    /// A masked client frame.
    static func frame(_ opcode: UInt8, _ payload: [UInt8], fin: Bool = true) -> [UInt8] {
        let key: [UInt8] = [1, 2, 3, 4]
        precondition(payload.count < 126)
        return [(fin ? 0x80 : 0) | opcode, 0x80 | UInt8(payload.count)] + key
            + payload.enumerated().map { $0.element ^ key[$0.offset & 3] }
    }

    static func server(now: UInt64 = 0) -> WebSocketMachine {
        WebSocketMachine(role: .server, maxMessageSize: 1 << 20, timing: Self.timing, now: now)
    }

    @Test func deliversTheMessagesOfOneReadTogetherAndAnswersPings() {
        var machine = Self.server()
        let bytes =
            Self.frame(0x1, Array("hi".utf8)) + Self.frame(0x9, [7]) + Self.frame(0x2, [1, 2])
        #expect(
            machine.receive(bytes, now: 1) == [
                .deliver(.text(Array("hi".utf8))), .deliver(.binary([1, 2])), .send(.pong([7])),
            ])
    }

    @Test func answersAFloodOfPingsWithOnePongPerReadForTheLatest() {
        var machine = Self.server()
        var flood: [UInt8] = []
        for i in 0..<10_000 { flood += Self.frame(0x9, [UInt8(i & 0xFF), UInt8(i >> 8)]) }
        let actions = machine.receive(flood, now: 1)
        #expect(actions == [.send(.pong([UInt8(9_999 & 0xFF), UInt8(9_999 >> 8)]))])
    }

    @Test func pingsOnScheduleAndGivesUpOnAPeerThatNeverAnswers() {
        var machine = Self.server(now: 0)
        #expect(machine.tick(now: 29 * Self.second) == [])
        #expect(machine.tick(now: 30 * Self.second) == [.send(.ping)])
        #expect(machine.tick(now: 39 * Self.second) == [])
        #expect(machine.tick(now: 40 * Self.second + 1) == [.notifyClosed(nil, reason: ""), .closeNow])
        #expect(machine.isClosed)
    }

    @Test func aPongKeepsTheConnectionAlive() {
        var machine = Self.server(now: 0)
        #expect(machine.tick(now: 30 * Self.second) == [.send(.ping)])
        #expect(machine.receive(Self.frame(0xA, []), now: 31 * Self.second) == [])
        #expect(machine.tick(now: 45 * Self.second) == [])
        #expect(machine.tick(now: 60 * Self.second) == [.send(.ping)])
        #expect(machine.isOpen)
    }

    @Test func echoesThePeersCloseAndEnds() {
        var machine = Self.server()
        #expect(
            machine.receive(Self.frame(0x8, [0x03, 0xE8] + Array("bye".utf8)), now: 1) == [
                .send(.close(.normal, reason: "")), .notifyClosed(.normal, reason: "bye"), .closeAfterFlush,
            ])
        #expect(machine.receive(Self.frame(0x1, [0x61]), now: 2) == [])
    }

    @Test func closesFirstThenWaitsForThePeersCloseUntilTheDeadline() {
        var machine = Self.server()
        #expect(
            machine.close(.policyViolation, reason: "token expired", now: 10) == [
                .send(.close(.policyViolation, reason: "token expired")),
                .notifyClosed(.policyViolation, reason: "token expired"),
            ])
        #expect(!machine.isOpen)
        // Data after our close is discarded, pings are not answered.
        #expect(machine.receive(Self.frame(0x1, [0x61]) + Self.frame(0x9, []), now: 11) == [])
        #expect(machine.tick(now: 10 + 5 * Self.second) == [])
        #expect(machine.tick(now: 11 + 5 * Self.second) == [.closeNow])
    }

    @Test func thePeersCloseAfterOursEndsTheConnectionWithoutASecondClose() {
        var machine = Self.server()
        _ = machine.close(.goingAway, reason: "server shutting down", now: 0)
        #expect(machine.receive(Self.frame(0x8, [0x03, 0xE9]), now: 1) == [.closeAfterFlush])
    }

    @Test(arguments: [
        // Reserved bit, unmasked frame, bad close code, one-byte close payload, continuation without a start.
        ([0xC1, 0x80, 0, 0, 0, 0] as [UInt8], WebSocketCloseCode.protocolError),
        ([0x81, 0x01, 0x61], .protocolError),
        (frame(0x8, [0x03, 0xED]), .protocolError),
        (frame(0x8, [0x03]), .protocolError),
        (frame(0x0, [0x61]), .protocolError),
        (frame(0x1, [0xC0, 0xAF]), .invalidPayload),
        (frame(0x8, [0x03, 0xE8, 0xFF]), .invalidPayload),
    ])
    func failsWithTheCodeTheRFCAsksFor(_ bytes: [UInt8], _ code: WebSocketCloseCode) {
        var machine = Self.server()
        let actions = machine.receive(bytes, now: 1)
        #expect(actions.first == .send(.close(code, reason: Self.reason(in: actions))))
        #expect(actions.dropFirst().first == .notifyClosed(code, reason: Self.reason(in: actions)))
        #expect(actions.last == .closeAfterFlush)
    }

    @Test func failsFastOnInvalidUTF8BeforeAFrameIsComplete() {
        var machine = Self.server()
        // The header announces 100 bytes; the third byte already proves the text invalid.
        let key: [UInt8] = [0, 0, 0, 0]
        let start: [UInt8] = [0x81, 0x80 | 100] + key + [0x61, 0x62, 0xFF]
        let actions = machine.receive(start, now: 1)
        #expect(actions.first == .send(.close(.invalidPayload, reason: "invalid UTF-8")))
    }

    @Test func refusesAMessageOverTheLimitFromItsHeader() {
        var machine = WebSocketMachine(role: .server, maxMessageSize: 10, timing: Self.timing, now: 0)
        let actions = machine.receive([0x82, 0xFF, 0, 0, 0, 1, 0, 0, 0, 0], now: 1)
        #expect(actions.first == .send(.close(.messageTooBig, reason: "message too big")))
    }

    @Test func theEndOfTheTCPConnectionIsReportedOnce() {
        var machine = Self.server()
        var actions: [WebSocketMachine.Action] = []
        machine.connectionEnded(into: &actions)
        machine.connectionEnded(into: &actions)
        #expect(actions == [.notifyClosed(nil, reason: ""), .closeNow])
    }

    @Test func aClientWaitsForTheServerToEndTheConnectionAfterItsClose() {
        var machine = WebSocketMachine(
            role: .client, maxMessageSize: 1 << 20,
            timing: .init(pingInterval: nil, pongTimeout: 0, closeTimeout: 2 * Self.second), now: 0)
        // Server frames are not masked.
        #expect(
            machine.receive([0x88, 0x02, 0x03, 0xE9], now: 1) == [
                .send(.close(.goingAway, reason: "")), .notifyClosed(.goingAway, reason: ""),
            ])
        #expect(machine.tick(now: 1 + 2 * Self.second) == [])
        #expect(machine.tick(now: 2 + 2 * Self.second) == [.closeNow])
        // A client sends no pings of its own.
        var idle = WebSocketMachine(
            role: .client, maxMessageSize: 1 << 20,
            timing: .init(pingInterval: nil, pongTimeout: 0, closeTimeout: 2 * Self.second), now: 0)
        #expect(idle.tick(now: 3600 * Self.second) == [])
    }

    @Test func aClientThatClosesHearsTheServersCode() {
        var machine = WebSocketMachine(
            role: .client, maxMessageSize: 1 << 20,
            timing: .init(pingInterval: nil, pongTimeout: 0, closeTimeout: 2 * Self.second), now: 0)
        #expect(machine.close(.normal, reason: "", now: 0) == [.send(.close(.normal, reason: ""))])
        #expect(
            machine.receive([0x88, 0x02, 0x03, 0xE8], now: 1) == [
                .notifyClosed(.normal, reason: ""), .closeAfterFlush,
            ])
    }

    @Test(arguments: 1...17)
    func decodesTheSameActionsWhateverTheChunkSize(_ chunk: Int) {
        let bytes =
            Self.frame(0x1, Array("hel".utf8), fin: false) + Self.frame(0x9, [1]) + Self.frame(0x0, Array("lo".utf8))
            + Self.frame(0x8, [0x03, 0xE8])
        var machine = Self.server()
        var actions: [WebSocketMachine.Action] = []
        var offset = 0
        while offset < bytes.count {
            actions += machine.receive(Array(bytes[offset..<min(bytes.count, offset + chunk)]), now: 1)
            offset += chunk
        }
        #expect(actions.contains(.deliver(.text(Array("hello".utf8)))))
        #expect(actions.contains(.notifyClosed(.normal, reason: "")))
        #expect(actions.last == .closeAfterFlush)
    }

    private static func reason(in actions: [WebSocketMachine.Action]) -> String {
        for case .send(.close(_, let reason)) in actions { return reason }
        return ""
    }
}
