import Synchronization

/// Where a client connection's messages go: to `receive` callers, or straight to a callback on the loop.
final class ClientInbox: Sendable {
    private let state = Mutex<State>(State())
    let onMessage: (@Sendable (WebSocketClientMessage) -> Void)?
    /// Gets text messages as validated UTF-8 bytes, skipping the `String` (the bench's hot path).
    let onTextBytes: (@Sendable ([UInt8]) -> Void)?

    private struct State {
        var messages: [WebSocketClientMessage] = []
        var head = 0
        var waiter: (token: UInt64, continuation: CheckedContinuation<WebSocketClientMessage, any Error>)?
        var nextToken: UInt64 = 0
        var closed = false
    }

    init(onMessage: (@Sendable (WebSocketClientMessage) -> Void)?, onTextBytes: (@Sendable ([UInt8]) -> Void)? = nil) {
        self.onMessage = onMessage
        self.onTextBytes = onTextBytes
    }

    /// Called on the loop for every message.
    func push(_ message: WebSocketClientMessage) {
        if let onMessage = self.onMessage {
            onMessage(message)
            return
        }
        let waiter = self.state.withLock { s -> CheckedContinuation<WebSocketClientMessage, any Error>? in
            if let w = s.waiter {
                s.waiter = nil
                return w.continuation
            }
            s.messages.append(message)
            return nil
        }
        waiter?.resume(returning: message)
    }

    /// No more messages will come.
    func finish() {
        let waiter = self.state.withLock { s -> CheckedContinuation<WebSocketClientMessage, any Error>? in
            s.closed = true
            defer { s.waiter = nil }
            return s.waiter?.continuation
        }
        waiter?.resume(throwing: WebSocketClientError.closed)
    }

    /// Takes the next message or registers `continuation`; returns the token of the registration.
    func take(_ continuation: CheckedContinuation<WebSocketClientMessage, any Error>) -> UInt64? {
        enum Outcome {
            case message(WebSocketClientMessage)
            case closed
            case waiting(UInt64)
        }
        let outcome = self.state.withLock { s -> Outcome in
            if s.head < s.messages.count {
                let m = s.messages[s.head]
                s.head += 1
                if s.head == s.messages.count {
                    s.messages.removeAll()
                    s.head = 0
                }
                return .message(m)
            }
            if s.closed { return .closed }
            s.nextToken += 1
            s.waiter = (s.nextToken, continuation)
            return .waiting(s.nextToken)
        }
        switch outcome {
        case .message(let m):
            continuation.resume(returning: m)
            return nil
        case .closed:
            continuation.resume(throwing: WebSocketClientError.closed)
            return nil
        case .waiting(let token):
            return token
        }
    }

    /// Fails the waiter registered with `token` if it is still waiting.
    func expire(_ token: UInt64) {
        let waiter = self.state.withLock { s -> CheckedContinuation<WebSocketClientMessage, any Error>? in
            guard let w = s.waiter, w.token == token else { return nil }
            s.waiter = nil
            return w.continuation
        }
        waiter?.resume(throwing: WebSocketClientError.timeout)
    }
}
