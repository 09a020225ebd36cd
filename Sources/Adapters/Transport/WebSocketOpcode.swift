/// RFC 6455 §5.2 opcodes this codec knows; the others are reserved and close the connection with 1002.
package enum WebSocketOpcode: UInt8, Sendable {
    case continuation = 0x0
    case text = 0x1
    case binary = 0x2
    case close = 0x8
    case ping = 0x9
    case pong = 0xA

    /// Close, ping and pong: at most 125 bytes and never fragmented (§5.5).
    package var isControl: Bool { self.rawValue & 0x8 != 0 }
}
