/// Splits a byte stream into frames (RFC 6455 §5.2) and enforces the frame-level rules.
///
/// The header is checked as soon as it is complete, before any payload is buffered: a 4 GB length fails at once
/// with 1009 instead of waiting for (or allocating) the payload. Reserved bits and opcodes, a wrong masking
/// direction, a 64-bit length with its top bit set, and long or fragmented control frames fail with 1002.
package struct WebSocketFrameDecoder: Sendable {
    /// Which side decodes: a server requires masked frames, a client refuses them (§5.1).
    package enum Role: Sendable {
        case server
        case client
    }

    /// Which side decodes.
    package let role: Role
    /// The largest payload accepted in one frame; larger ones fail with 1009.
    package var maxPayload: Int
    private var buffer: [UInt8] = []
    private var index = 0
    /// Payload bytes of the incomplete frame at `index` already handed out by `partialPayload()`.
    private var partialDelivered = 0

    /// A decoder for `role` refusing payloads over `maxPayload`.
    package init(role: Role, maxPayload: Int) {
        self.role = role
        self.maxPayload = maxPayload
    }

    /// Bytes received but not yet decoded.
    package var bufferedCount: Int { self.buffer.count - self.index }

    /// Appends received bytes.
    package mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if self.index > 0 {
            self.buffer.removeFirst(self.index)
            self.index = 0
        }
        self.buffer.append(contentsOf: bytes)
    }

    /// Appends received bytes.
    package mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { self.append($0) }
    }

    /// The next complete frame, nil when more bytes are needed.
    package mutating func next() throws(WebSocketError) -> WebSocketFrame? {
        let available = self.buffer.count - self.index
        guard available >= 2 else { return nil }
        let i = self.index
        let b0 = self.buffer[i]
        let b1 = self.buffer[i + 1]
        guard b0 & 0x70 == 0 else { throw .protocolError("reserved bits set") }
        guard let opcode = WebSocketOpcode(rawValue: b0 & 0x0F) else { throw .protocolError("reserved opcode") }
        let fin = b0 & 0x80 != 0
        let masked = b1 & 0x80 != 0
        switch self.role {
        case .server: guard masked else { throw .protocolError("client frames must be masked") }
        case .client: guard !masked else { throw .protocolError("server frames must not be masked") }
        }
        if opcode.isControl {
            guard fin else { throw .protocolError("fragmented control frame") }
            guard b1 & 0x7F <= 125 else { throw .protocolError("control frame over 125 bytes") }
        }
        guard let (length, lengthSize) = self.lengthField(at: i, available: available) else { return nil }
        guard length & (1 << 63) == 0 else { throw .protocolError("64-bit length with the top bit set") }
        var headerSize = lengthSize
        guard length <= UInt64(self.maxPayload) else {
            throw WebSocketError(closeCode: .messageTooBig, reason: "message too big")
        }
        let maskOffset = i + headerSize
        if masked { headerSize += 4 }
        let count = Int(length)
        guard available >= headerSize + count else { return nil }
        let start = i + headerSize
        let payload: [UInt8]
        if masked {
            let key = (
                self.buffer[maskOffset], self.buffer[maskOffset + 1], self.buffer[maskOffset + 2],
                self.buffer[maskOffset + 3]
            )
            payload = self.buffer.withUnsafeBufferPointer { src in
                [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
                    Self.unmask(src.baseAddress! + start, into: out.baseAddress!, count: count, key: key)
                    initialized = count
                }
            }
        } else {
            payload = Array(self.buffer[start..<(start + count)])
        }
        self.index = start + count
        self.partialDelivered = 0
        if self.index == self.buffer.count {
            // Idle connections should hold no buffer: release big ones, keep a small one for the next frame.
            self.buffer.removeAll(keepingCapacity: self.buffer.capacity <= 4096)
            self.index = 0
        }
        return WebSocketFrame(fin: fin, opcode: opcode, payload: payload)
    }

    /// The unmasked payload bytes of the incomplete data frame at the front that arrived since the last call, so
    /// that text can be validated while a large frame trickles in (RFC 6455 §8.1 fail-fast). Nil when the front
    /// frame is complete, a control frame, or its header has not arrived; call it after `next()` returned nil.
    package mutating func partialPayload() -> (opcode: WebSocketOpcode, first: Bool, bytes: [UInt8])? {
        let available = self.buffer.count - self.index
        guard available >= 2 else { return nil }
        let i = self.index
        guard let opcode = WebSocketOpcode(rawValue: self.buffer[i] & 0x0F), !opcode.isControl else { return nil }
        let masked = self.buffer[i + 1] & 0x80 != 0
        guard let (length, lengthSize) = self.lengthField(at: i, available: available) else { return nil }
        var headerSize = lengthSize
        let maskOffset = i + headerSize
        if masked { headerSize += 4 }
        guard available >= headerSize, length <= UInt64(self.maxPayload) else { return nil }
        let received = min(Int(length), available - headerSize)
        guard received > self.partialDelivered, received < Int(length) else { return nil }
        let first = self.partialDelivered == 0
        let from = self.partialDelivered
        self.partialDelivered = received
        let start = i + headerSize
        var bytes = Array(self.buffer[(start + from)..<(start + received)])
        if masked {
            for k in 0..<bytes.count { bytes[k] ^= self.buffer[maskOffset + ((from + k) & 3)] }
        }
        return (opcode, first, bytes)
    }

    /// The payload length of the frame starting at `i` and the size of the header up to the mask (2, 4 or 10
    /// bytes: RFC 6455 §5.2 7-, 16- or 64-bit length); nil until those bytes have arrived.
    private func lengthField(at i: Int, available: Int) -> (length: UInt64, size: Int)? {
        switch self.buffer[i + 1] & 0x7F {
        case 126:
            guard available >= 4 else { return nil }
            return (UInt64(self.buffer[i + 2]) << 8 | UInt64(self.buffer[i + 3]), 4)
        case 127:
            guard available >= 10 else { return nil }
            var length: UInt64 = 0
            for k in 0..<8 { length = length << 8 | UInt64(self.buffer[i + 2 + k]) }
            return (length, 10)
        case let short:
            return (UInt64(short), 2)
        }
    }

    private static func unmask(
        _ src: UnsafePointer<UInt8>,
        into dst: UnsafeMutablePointer<UInt8>,
        count: Int,
        key: (UInt8, UInt8, UInt8, UInt8)
    ) {
        // Eight bytes at a time with the key repeated twice; the tail byte by byte.
        let k32 = UInt32(key.0) | UInt32(key.1) << 8 | UInt32(key.2) << 16 | UInt32(key.3) << 24
        let k64 = UInt64(k32) | UInt64(k32) << 32
        var i = 0
        let raw = UnsafeRawPointer(src)
        let out = UnsafeMutableRawPointer(dst)
        while i + 8 <= count {
            out.storeBytes(
                of: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) ^ k64,
                toByteOffset: i,
                as: UInt64.self
            )
            i += 8
        }
        let bytes = [key.0, key.1, key.2, key.3]
        while i < count {
            dst[i] = src[i] ^ bytes[i & 3]
            i += 1
        }
    }
}
