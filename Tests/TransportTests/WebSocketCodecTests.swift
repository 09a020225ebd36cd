import Testing
import Transport

/// A masked client frame, as a browser would send it.
func clientFrame(_ opcode: UInt8, _ payload: [UInt8], fin: Bool = true, mask: [UInt8] = [1, 2, 3, 4]) -> [UInt8] {
    var out: [UInt8] = [(fin ? 0x80 : 0) | opcode]
    if payload.count < 126 {
        out.append(0x80 | UInt8(payload.count))
    } else if payload.count <= 0xFFFF {
        out += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
    } else {
        out.append(0x80 | 127)
        for k in 0..<8 { out.append(UInt8(truncatingIfNeeded: UInt64(payload.count) >> (56 - 8 * UInt64(k)))) }
    }
    out += mask
    for (i, b) in payload.enumerated() { out.append(b ^ mask[i & 3]) }
    return out
}

/// Decodes `bytes` fed in pieces of `chunk`; returns frames and the first error.
func decode(
    _ bytes: [UInt8],
    chunk: Int,
    role: WebSocketFrameDecoder.Role = .server,
    max: Int = 1 << 20
)
    -> (frames: [WebSocketFrame], error: WebSocketError?)
{
    var decoder = WebSocketFrameDecoder(role: role, maxPayload: max)
    var frames: [WebSocketFrame] = []
    var offset = 0
    while offset < bytes.count {
        let end = min(bytes.count, offset + chunk)
        decoder.append(Array(bytes[offset..<end]))
        offset = end
        do {
            while let frame = try decoder.next() { frames.append(frame) }
        } catch {
            return (frames, error)
        }
    }
    return (frames, nil)
}

struct WebSocketFrameDecoderTests {
    static let stream: [UInt8] =
        clientFrame(0x1, Array("hello".utf8)) + clientFrame(0x9, [7, 7])
        + clientFrame(0x2, [UInt8](repeating: 9, count: 300))
        + clientFrame(0x1, Array(repeating: 65, count: 70_000)) + clientFrame(0x8, [0x03, 0xE8])

    @Test(arguments: Array(1...17) + [100, 4096])
    func decodesAStreamSplitAtEveryChunkSize(_ chunk: Int) {
        let (frames, error) = decode(Self.stream, chunk: chunk)
        #expect(error == nil)
        #expect(frames.map(\.opcode) == [.text, .ping, .binary, .text, .close])
        #expect(frames[0].payload == Array("hello".utf8))
        #expect(frames[1].payload == [7, 7])
        #expect(frames[2].payload == [UInt8](repeating: 9, count: 300))
        #expect(frames[3].payload.count == 70_000)
        #expect(frames[4].payload == [0x03, 0xE8])
    }

    @Test func refusesUnmaskedClientFrames() {
        let (_, error) = decode([0x81, 0x02, 0x68, 0x69], chunk: 4)
        #expect(error?.closeCode == 1002)
    }

    @Test func refusesMaskedServerFrames() {
        let (_, error) = decode(clientFrame(0x1, [1]), chunk: 10, role: .client)
        #expect(error?.closeCode == 1002)
    }

    @Test func refusesA4GiBLengthFromTheHeaderAlone() {
        // 127, then 2^32 in 64 bits, then a mask key; no payload follows and none is awaited.
        let header: [UInt8] = [0x82, 0x80 | 127, 0, 0, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4]
        let (_, error) = decode(header, chunk: 1)
        #expect(error?.closeCode == 1009)
    }

    @Test func refusesA64BitLengthWithTheTopBitSet() {
        let header: [UInt8] = [0x82, 0x80 | 127, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4]
        let (_, error) = decode(header, chunk: 3)
        #expect(error?.closeCode == 1002)
    }

    @Test(
        arguments: [
            [0xC1, 0x80, 1, 2, 3, 4],  // RSV1
            [0xA1, 0x80, 1, 2, 3, 4],  // RSV2
            [0x91, 0x80, 1, 2, 3, 4],  // RSV3
            [0x83, 0x80, 1, 2, 3, 4],  // reserved data opcode
            [0x8B, 0x80, 1, 2, 3, 4],  // reserved control opcode
            [0x09, 0x80, 1, 2, 3, 4],  // fragmented ping
            [0x89, 0x80 | 126, 0, 126, 1, 2, 3, 4],  // ping over 125 bytes
        ] as [[UInt8]]
    )
    func refusesProtocolViolations(_ bytes: [UInt8]) {
        let (_, error) = decode(bytes, chunk: 1)
        #expect(error?.closeCode == 1002)
    }

    @Test func refusesAFrameOverTheLimit() {
        let (_, error) = decode(clientFrame(0x2, [UInt8](repeating: 0, count: 200)), chunk: 50, max: 100)
        #expect(error?.closeCode == 1009)
    }

    @Test(arguments: [0, 1, 125, 126, 65535, 65536, 100_000])
    func encoderAndDecoderAgreeOnEveryLengthForm(_ count: Int) {
        let payload = (0..<count).map { UInt8(truncatingIfNeeded: $0) }
        let masked = WebSocketFrameEncoder.encode(opcode: .binary, payload: payload, mask: 0xDEAD_BEEF).bytes
        let (frames, error) = decode(masked, chunk: 4096)
        #expect(error == nil)
        #expect(frames.first?.payload == payload)
        let unmasked = WebSocketFrameEncoder.encode(opcode: .binary, payload: payload).bytes
        let (clientFrames, clientError) = decode(unmasked, chunk: 4096, role: .client)
        #expect(clientError == nil)
        #expect(clientFrames.first?.payload == payload)
    }
}

struct PartialPayloadTests {
    @Test(arguments: [1, 2, 5, 13])
    func handsOutEachArrivingPieceOfAnIncompleteFrameOnce(_ piece: Int) throws {
        let payload = Array("validate while it trickles in".utf8)
        let frame = clientFrame(0x1, payload)
        var decoder = WebSocketFrameDecoder(role: .server, maxPayload: 1000)
        var seen: [UInt8] = []
        var firsts = 0
        var offset = 0
        var complete: WebSocketFrame?
        while offset < frame.count {
            decoder.append(Array(frame[offset..<min(frame.count, offset + piece)]))
            offset += piece
            if let done = try decoder.next() {
                complete = done
                break
            }
            if let partial = decoder.partialPayload() {
                #expect(partial.opcode == .text)
                if partial.first { firsts += 1 }
                seen += partial.bytes
            }
        }
        #expect(complete?.payload == payload)
        #expect(firsts <= 1)
        #expect(payload.starts(with: seen))
    }
}

struct WebSocketMessageAssemblerTests {
    @Test func reassemblesFragmentsAndValidatesUTF8AcrossThem() throws {
        var assembler = WebSocketMessageAssembler(maxMessageSize: 100)
        // "é" split between two fragments is valid.
        #expect(try assembler.push(WebSocketFrame(fin: false, opcode: .text, payload: [0x61, 0xC3])) == nil)
        #expect(
            try assembler.push(WebSocketFrame(fin: true, opcode: .continuation, payload: [0xA9]))
                == .text(Array("aé".utf8)))
    }

    @Test func failsFastOnInvalidUTF8InAFragment() {
        var assembler = WebSocketMessageAssembler(maxMessageSize: 100)
        #expect(throws: WebSocketError(closeCode: 1007, reason: "invalid UTF-8")) {
            try assembler.push(WebSocketFrame(fin: false, opcode: .text, payload: [0x61, 0xC0]))
        }
    }

    @Test func refusesATruncatedCharacterAtTheEnd() {
        var assembler = WebSocketMessageAssembler(maxMessageSize: 100)
        #expect(throws: WebSocketError.self) {
            _ = try assembler.push(WebSocketFrame(fin: false, opcode: .text, payload: [0x61, 0xE2]))
            _ = try assembler.push(WebSocketFrame(fin: true, opcode: .continuation, payload: [0x82]))
        }
    }

    @Test func refusesContinuationWithoutAStart() {
        var assembler = WebSocketMessageAssembler(maxMessageSize: 100)
        #expect(throws: WebSocketError.protocolError("continuation without a message")) {
            try assembler.push(WebSocketFrame(fin: true, opcode: .continuation, payload: []))
        }
    }

    @Test func refusesANewMessageInsideAFragmentedOne() throws {
        var assembler = WebSocketMessageAssembler(maxMessageSize: 100)
        _ = try assembler.push(WebSocketFrame(fin: false, opcode: .binary, payload: [1]))
        #expect(throws: WebSocketError.self) {
            try assembler.push(WebSocketFrame(fin: true, opcode: .text, payload: [0x61]))
        }
    }

    @Test func refusesAMessageOverTheLimitAcrossFragments() throws {
        var assembler = WebSocketMessageAssembler(maxMessageSize: 10)
        _ = try assembler.push(WebSocketFrame(fin: false, opcode: .binary, payload: [UInt8](repeating: 0, count: 6)))
        #expect(throws: WebSocketError(closeCode: 1009, reason: "message too big")) {
            try assembler.push(
                WebSocketFrame(fin: true, opcode: .continuation, payload: [UInt8](repeating: 0, count: 6))
            )
        }
    }
}

struct WebSocketHandshakeTests {
    @Test func computesTheRFCExampleAcceptValue() {
        // RFC 6455 §1.3.
        #expect(WebSocketHandshake.acceptValue(forKey: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    @Test func validatesKeys() {
        #expect(WebSocketHandshake.isValidKey("dGhlIHNhbXBsZSBub25jZQ=="))
        #expect(!WebSocketHandshake.isValidKey("short"))
        #expect(!WebSocketHandshake.isValidKey("dGhlIHNhbXBsZSBub25jZQ"))
        #expect(WebSocketHandshake.isValidKey(WebSocketHandshake.randomKey()))
    }

    @Test(arguments: ["", "f", "fo", "foo", "foob", "fooba", "foobar"])
    func base64RoundTrips(_ text: String) {
        let encoded = WebSocketHandshake.base64(Array(text.utf8))
        #expect(WebSocketHandshake.decodeBase64(encoded) == Array(text.utf8))
    }
}
