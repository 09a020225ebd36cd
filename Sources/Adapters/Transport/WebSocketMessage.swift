/// A complete WebSocket message, fragments reassembled; text is already validated UTF-8, handed over as its bytes
/// so that a JSON decoder reads it without an intermediate `String`.
package enum WebSocketMessage: Sendable, Equatable {
    case text([UInt8])
    case binary([UInt8])

    /// The payload bytes.
    package var bytes: [UInt8] {
        switch self {
        case .text(let bytes), .binary(let bytes): bytes
        }
    }
}
