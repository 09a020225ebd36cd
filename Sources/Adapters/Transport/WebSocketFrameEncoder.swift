/// Serializes frames (RFC 6455 §5.2): header and payload in one `ByteStorage`, masked when a key is given.
package enum WebSocketFrameEncoder {
    /// Encodes one frame. Servers pass no mask; clients must pass a fresh random key per frame (§5.3).
    package static func encode(
        opcode: WebSocketOpcode,
        payload: UnsafeRawBufferPointer,
        fin: Bool = true,
        mask: UInt32? = nil
    ) -> ByteStorage {
        let length = payload.count
        let lengthBytes = length < 126 ? 0 : (length <= 0xFFFF ? 2 : 8)
        let headerSize = 2 + lengthBytes + (mask == nil ? 0 : 4)
        return ByteStorage(count: headerSize + length) { out in
            out[0] = (fin ? 0x80 : 0) | opcode.rawValue
            let maskBit: UInt8 = mask == nil ? 0 : 0x80
            switch lengthBytes {
            case 0:
                out[1] = maskBit | UInt8(length)
            case 2:
                out[1] = maskBit | 126
                out[2] = UInt8(truncatingIfNeeded: length >> 8)
                out[3] = UInt8(truncatingIfNeeded: length)
            default:
                out[1] = maskBit | 127
                for k in 0..<8 { out[2 + k] = UInt8(truncatingIfNeeded: UInt64(length) >> (56 - 8 * UInt64(k))) }
            }
            guard length > 0 || mask != nil else { return }
            if let mask {
                let key: [UInt8] = [
                    UInt8(truncatingIfNeeded: mask >> 24), UInt8(truncatingIfNeeded: mask >> 16),
                    UInt8(truncatingIfNeeded: mask >> 8), UInt8(truncatingIfNeeded: mask),
                ]
                let start = 2 + lengthBytes
                for k in 0..<4 { out[start + k] = key[k] }
                for i in 0..<length { out[start + 4 + i] = payload[i] ^ key[i & 3] }
            } else {
                out.baseAddress!.advanced(by: 2 + lengthBytes).copyMemory(from: payload.baseAddress!, byteCount: length)
            }
        }
    }

    /// Encodes one frame from an array.
    package static func encode(
        opcode: WebSocketOpcode,
        payload: [UInt8],
        fin: Bool = true,
        mask: UInt32? = nil
    )
        -> ByteStorage
    {
        payload.withUnsafeBytes { Self.encode(opcode: opcode, payload: $0, fin: fin, mask: mask) }
    }

    /// A close frame's payload: the code in network order, then the UTF-8 reason cut to fit 125 bytes.
    package static func closePayload(code: WebSocketCloseCode?, reason: String) -> [UInt8] {
        guard let code = code?.code else { return [] }
        var bytes: [UInt8] = [UInt8(code >> 8), UInt8(code & 0xFF)]
        var reasonBytes = Array(reason.utf8.prefix(123))
        // Never cut a multi-byte character in half: the peer would fail us with 1007.
        while !UTF8Validator.isValid(reasonBytes) { reasonBytes.removeLast() }
        bytes += reasonBytes
        return bytes
    }
}
