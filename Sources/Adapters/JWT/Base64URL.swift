/// The base64url alphabet without padding (RFC 4648 §5, RFC 7515 §2), decoded strictly.
///
/// A token has exactly one encoding: padding, the `+` and `/` alphabet, whitespace and non-zero trailing bits are
/// all refused, so two different strings can never carry the same signed bytes.
package enum Base64URL {
    private static let alphabet: [UInt8] = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8
    )

    /// 0xFF marks a byte outside the alphabet.
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in Self.alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    /// Encodes without padding.
    package static func encode(_ bytes: some Collection<UInt8>) -> String {
        let input = Array(bytes)
        var output: [UInt8] = []
        output.reserveCapacity((input.count * 4 + 2) / 3)
        var index = 0
        while index + 3 <= input.count {
            let chunk = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
            output.append(Self.alphabet[Int(chunk >> 18 & 0x3F)])
            output.append(Self.alphabet[Int(chunk >> 12 & 0x3F)])
            output.append(Self.alphabet[Int(chunk >> 6 & 0x3F)])
            output.append(Self.alphabet[Int(chunk & 0x3F)])
            index += 3
        }
        switch input.count - index {
        case 1:
            let chunk = UInt32(input[index]) << 16
            output.append(Self.alphabet[Int(chunk >> 18 & 0x3F)])
            output.append(Self.alphabet[Int(chunk >> 12 & 0x3F)])
        case 2:
            let chunk = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8
            output.append(Self.alphabet[Int(chunk >> 18 & 0x3F)])
            output.append(Self.alphabet[Int(chunk >> 12 & 0x3F)])
            output.append(Self.alphabet[Int(chunk >> 6 & 0x3F)])
        default:
            break
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes the canonical unpadded form, or returns nil for anything else.
    package static func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        let input = Array(text)
        // A single leftover character carries only 6 bits: no byte can be encoded that way.
        guard input.count % 4 != 1 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(input.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in input {
            let value = Self.values[Int(byte)]
            guard value != 0xFF else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                accumulator &= (1 << UInt32(bits)) - 1
            }
        }
        // RFC 4648 §3.5: the unused low bits of the last character must be zero, else the encoding is not canonical.
        guard accumulator == 0 else { return nil }
        return output
    }

    /// Decodes the UTF-8 of `text`, as strictly as `decode(_:)` on bytes.
    package static func decode(_ text: String) -> [UInt8]? {
        Self.decode(Array(text.utf8))
    }
}
