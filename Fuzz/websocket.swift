// libFuzzer target: the WebSocket protocol machine (frame decoder, message assembler, UTF-8 validation, close
// handshake, ping/pong) of Transport, as a server and as a client. The first byte picks the role and how the rest is
// cut into reads; the clock moves between reads so that timeouts fire too.
@testable import Transport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 1 else { return 0 }
    let role: WebSocketMachine.Role = data[0] & 1 == 0 ? .server : .client
    let piece = max(1, Int(data[0] >> 1))
    let maxMessage = 1 << 16
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    var now: UInt64 = 1_000_000_000
    var machine = WebSocketMachine(
        role: role, maxMessageSize: maxMessage,
        timing: .init(pingInterval: 30_000_000_000, pongTimeout: 10_000_000_000, closeTimeout: 5_000_000_000), now: now)
    var delivered = 0
    var start = 0
    while start < bytes.count {
        let end = min(bytes.count, start + piece)
        let wasClosed = machine.isClosed
        let actions = machine.receive(Array(bytes[start..<end]), now: now)
        if wasClosed { precondition(actions.isEmpty, "a closed machine acted") }
        var pongs = 0
        for action in actions {
            switch action {
            case .deliver(let message):
                if case .text(let text) = message {
                    // Only valid UTF-8 is handed to the application.
                    precondition(String(validating: text, as: UTF8.self) != nil, "invalid UTF-8 delivered")
                }
                precondition(message.bytes.count <= maxMessage, "a message over the limit was delivered")
                delivered += message.bytes.count
            case .send(.pong):
                pongs += 1
            default:
                break
            }
        }
        precondition(pongs <= WebSocketMachine.maximumPongsPerRead, "pongs are not bounded per read")
        precondition(delivered <= bytes.count, "more delivered than received")
        now += 3_000_000_000
        _ = machine.tick(now: now)
        start = end
    }
    var actions: [WebSocketMachine.Action] = []
    machine.connectionEnded(into: &actions)
    return 0
}
