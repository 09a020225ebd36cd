/// Reassembles fragmented data frames into messages (RFC 6455 §5.4), validating text as it arrives.
///
/// Control frames are not its business (the connection answers them between fragments). A continuation without
/// a started message, or a new message before the last one finished, fails with 1002; invalid UTF-8 with 1007 as
/// soon as a fragment proves it (§8.1); a message over `maxMessageSize` with 1009.
package struct WebSocketMessageAssembler: Sendable {
    /// The largest message accepted.
    package var maxMessageSize: Int
    private var current: WebSocketOpcode?
    private var parts: [UInt8] = []
    private var validator = UTF8Validator()

    /// An assembler refusing messages over `maxMessageSize` bytes.
    package init(maxMessageSize: Int) {
        self.maxMessageSize = maxMessageSize
    }

    /// Takes a data frame (text, binary or continuation); returns the message when this frame completes one.
    package mutating func push(_ frame: WebSocketFrame) throws(WebSocketError) -> WebSocketMessage? {
        switch frame.opcode {
        case .text, .binary:
            guard self.current == nil else { throw .protocolError("new message before the last one ended") }
            guard frame.payload.count <= self.maxMessageSize else {
                throw WebSocketError(closeCode: .messageTooBig, reason: "message too big")
            }
            if frame.fin {
                // The common case: one frame, one message, no copy.
                if frame.opcode == .binary { return .binary(frame.payload) }
                guard UTF8Validator.isValid(frame.payload) else {
                    throw WebSocketError(closeCode: .invalidPayload, reason: "invalid UTF-8")
                }
                return .text(frame.payload)
            }
            self.current = frame.opcode
            self.validator = UTF8Validator()
            self.parts = []
        case .continuation:
            guard self.current != nil else { throw .protocolError("continuation without a message") }
            guard self.parts.count + frame.payload.count <= self.maxMessageSize else {
                throw WebSocketError(closeCode: .messageTooBig, reason: "message too big")
            }
        case .close, .ping, .pong:
            preconditionFailure("control frames are handled by the connection")
        }
        if self.current == .text {
            guard frame.payload.withUnsafeBytes({ self.validator.validate($0) }) else {
                throw WebSocketError(closeCode: .invalidPayload, reason: "invalid UTF-8")
            }
        }
        self.parts.append(contentsOf: frame.payload)
        guard frame.fin else { return nil }
        defer {
            self.current = nil
            self.parts = []
        }
        if self.current == .text {
            guard self.validator.isComplete else {
                throw WebSocketError(closeCode: .invalidPayload, reason: "invalid UTF-8")
            }
            return .text(self.parts)
        }
        return .binary(self.parts)
    }

    /// The validator a frame with `opcode` would continue from, when that frame carries text: fresh for a new
    /// text message, the current one for a continuation of text; nil otherwise. For checking a frame's payload
    /// while it is still arriving, without touching the assembler's own state.
    package func textValidator(forFrame opcode: WebSocketOpcode) -> UTF8Validator? {
        switch opcode {
        case .text: self.current == nil ? UTF8Validator() : nil
        case .continuation: self.current == .text ? self.validator : nil
        case .binary, .close, .ping, .pong: nil
        }
    }
}
