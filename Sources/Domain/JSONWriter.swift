/// Serializes JSON into UTF-8 bytes without Foundation, for the hot broadcast path and for stored metadata.
package struct JSONWriter {
    package private(set) var bytes: [UInt8] = []

    package init(capacity: Int = 256) {
        self.bytes.reserveCapacity(capacity)
    }

    package static func encode(_ value: JSONValue) -> [UInt8] {
        var writer = JSONWriter()
        writer.write(value)
        return writer.bytes
    }

    package static func string(_ value: JSONValue) -> String {
        String(decoding: Self.encode(value), as: UTF8.self)
    }

    package mutating func write(_ value: JSONValue) {
        switch value {
        case .null: self.raw("null")
        case .bool(let flag): self.raw(flag ? "true" : "false")
        case .number(let number): self.write(number: number)
        case .string(let text): self.write(string: text)
        case .array(let items):
            self.bytes.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { self.bytes.append(UInt8(ascii: ",")) }
                self.write(item)
            }
            self.bytes.append(UInt8(ascii: "]"))
        case .object(let object):
            self.bytes.append(UInt8(ascii: "{"))
            var first = true
            for (key, item) in object {
                if !first { self.bytes.append(UInt8(ascii: ",")) }
                first = false
                self.write(string: key)
                self.bytes.append(UInt8(ascii: ":"))
                self.write(item)
            }
            self.bytes.append(UInt8(ascii: "}"))
        }
    }

    /// Integral values print without a fraction (85, not 85.0), as a person typed them.
    package mutating func write(number: Double) {
        guard number.isFinite else {
            self.raw("null")
            return
        }
        if number.rounded() == number, abs(number) < 9_007_199_254_740_992 {
            self.raw(String(Int64(number)))
        } else {
            self.raw(String(number))
        }
    }

    /// Runs of bytes that need no escape are copied at once (every broadcast writes a dozen strings).
    package mutating func write(string: String) {
        self.bytes.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { utf8 in
            var start = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                self.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                self.escape(byte)
                start = index + 1
            }
            self.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<utf8.count]))
        }
        self.bytes.append(UInt8(ascii: "\""))
    }

    private mutating func escape(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): self.raw("\\\"")
        case UInt8(ascii: "\\"): self.raw("\\\\")
        case 0x0A: self.raw("\\n")
        case 0x0D: self.raw("\\r")
        case 0x09: self.raw("\\t")
        default:
            let hex = Array("0123456789abcdef".utf8)
            self.raw("\\u00")
            self.bytes.append(hex[Int(byte >> 4)])
            self.bytes.append(hex[Int(byte & 0xF)])
        }
    }

    package mutating func raw(_ text: String) {
        self.bytes.append(contentsOf: text.utf8)
    }
}
