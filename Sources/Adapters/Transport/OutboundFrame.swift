/// A server-to-client WebSocket frame, serialized once (header and payload) and shared by every recipient.
package struct OutboundFrame: Sendable {
    /// The frame's bytes on the wire.
    package let storage: ByteStorage

    init(storage: ByteStorage) {
        self.storage = storage
    }

    /// A text frame from UTF-8 bytes (the caller guarantees they are valid UTF-8).
    package static func text(_ utf8: [UInt8]) -> OutboundFrame {
        OutboundFrame(storage: WebSocketFrameEncoder.encode(opcode: .text, payload: utf8))
    }

    /// A text frame.
    package static func text(_ s: String) -> OutboundFrame {
        var s = s
        return s.withUTF8 {
            OutboundFrame(storage: WebSocketFrameEncoder.encode(opcode: .text, payload: UnsafeRawBufferPointer($0)))
        }
    }

    /// A binary frame.
    package static func binary(_ bytes: [UInt8]) -> OutboundFrame {
        OutboundFrame(storage: WebSocketFrameEncoder.encode(opcode: .binary, payload: bytes))
    }

    /// The frame's size on the wire.
    package var count: Int { self.storage.count }
}
