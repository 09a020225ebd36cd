/// One decoded frame, payload unmasked.
package struct WebSocketFrame: Sendable, Equatable {
    /// FIN: the last frame of a message.
    package var fin: Bool
    /// The opcode.
    package var opcode: WebSocketOpcode
    /// The payload, unmasked.
    package var payload: [UInt8]

    /// A frame.
    package init(fin: Bool, opcode: WebSocketOpcode, payload: [UInt8]) {
        self.fin = fin
        self.opcode = opcode
        self.payload = payload
    }
}
