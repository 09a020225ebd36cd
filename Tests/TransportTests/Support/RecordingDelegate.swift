import Synchronization
import Transport

/// Records a WebSocket's events; optionally echoes text.
final class RecordingDelegate: WebSocketDelegate {
    enum Event: Equatable {
        case open
        case text(String)
        case binary([UInt8])
        case close(UInt16?)
    }

    private let state = Mutex<[Event]>([])
    let echo: Bool
    let onOpen: (@Sendable (WebSocketConnection) -> Void)?

    init(echo: Bool = false, onOpen: (@Sendable (WebSocketConnection) -> Void)? = nil) {
        self.echo = echo
        self.onOpen = onOpen
    }

    var events: [Event] { self.state.withLock { $0 } }

    var closeCode: UInt16?? {
        for event in self.events {
            if case .close(let code) = event { return .some(code) }
        }
        return nil
    }

    func webSocketDidOpen(_ connection: WebSocketConnection) {
        self.state.withLock { $0.append(.open) }
        self.onOpen?(connection)
    }

    func webSocket(_ connection: WebSocketConnection, didReceiveText text: String) {
        self.state.withLock { $0.append(.text(text)) }
        if self.echo { connection.send(text: text) }
    }

    func webSocket(_ connection: WebSocketConnection, didReceiveBinary bytes: [UInt8]) {
        self.state.withLock { $0.append(.binary(bytes)) }
    }

    func webSocketDidClose(_ connection: WebSocketConnection, code: UInt16?) {
        self.state.withLock { $0.append(.close(code)) }
    }
}
