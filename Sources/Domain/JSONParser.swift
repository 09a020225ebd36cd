/// A strict RFC 8259 JSON parser for bytes that come from the network.
///
/// Strict where lenient parsers guess: duplicate keys, nesting deeper than `maximumDepth`, invalid UTF-8, lone
/// surrogate escapes, leading zeros and trailing garbage are all refused with the byte offset, so a client learns
/// what was wrong and nothing ambiguous reaches a use case.
package struct JSONParser {
    package struct Failure: Error, Equatable, CustomStringConvertible {
        package var reason: String
        package var offset: Int
        package var description: String { "\(self.reason) at byte \(self.offset)" }
    }

    package var maximumDepth: Int

    package init(maximumDepth: Int = 32) {
        self.maximumDepth = maximumDepth
    }

    package func parse(_ bytes: some Collection<UInt8>) throws(Failure) -> JSONValue {
        let array = Array(bytes)
        return try array.withUnsafeBufferPointer { (buffer) throws(Failure) -> JSONValue in
            var reader = Reader(bytes: buffer, maximumDepth: self.maximumDepth)
            reader.skipWhitespace()
            let value = try reader.value(depth: 0)
            reader.skipWhitespace()
            guard reader.index == buffer.count else { throw reader.failure("unexpected data after the JSON value") }
            return value
        }
    }

    package func parse(_ text: String) throws(Failure) -> JSONValue {
        try self.parse(Array(text.utf8))
    }
}

private struct Reader {
    let bytes: UnsafeBufferPointer<UInt8>
    let maximumDepth: Int
    var index = 0

    init(bytes: UnsafeBufferPointer<UInt8>, maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    func failure(_ reason: String) -> JSONParser.Failure {
        JSONParser.Failure(reason: reason, offset: self.index)
    }

    var current: UInt8? { self.index < self.bytes.count ? self.bytes[self.index] : nil }

    mutating func skipWhitespace() {
        while let byte = self.current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
            self.index += 1
        }
    }

    mutating func expect(_ literal: StaticString) throws(JSONParser.Failure) {
        let count = literal.utf8CodeUnitCount
        guard self.index + count <= self.bytes.count else { throw self.failure("truncated literal") }
        for offset in 0..<count where self.bytes[self.index + offset] != literal.utf8Start[offset] {
            throw self.failure("invalid literal")
        }
        self.index += count
    }

    mutating func value(depth: Int) throws(JSONParser.Failure) -> JSONValue {
        guard let byte = self.current else { throw self.failure("unexpected end of input") }
        switch byte {
        case UInt8(ascii: "{"):
            return .object(try self.object(depth: depth + 1))
        case UInt8(ascii: "["):
            return .array(try self.array(depth: depth + 1))
        case UInt8(ascii: "\""):
            return .string(try self.string())
        case UInt8(ascii: "t"):
            try self.expect("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try self.expect("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try self.expect("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try self.number())
        default:
            throw self.failure("unexpected character")
        }
    }

    mutating func object(depth: Int) throws(JSONParser.Failure) -> JSONObject {
        guard depth <= self.maximumDepth else { throw self.failure("nesting deeper than \(self.maximumDepth)") }
        self.index += 1
        var object = JSONObject()
        self.skipWhitespace()
        if self.current == UInt8(ascii: "}") {
            self.index += 1
            return object
        }
        while true {
            self.skipWhitespace()
            guard self.current == UInt8(ascii: "\"") else { throw self.failure("expected a key") }
            let keyOffset = self.index
            let key = try self.string()
            guard object[key] == nil else {
                throw JSONParser.Failure(reason: "duplicate key \"\(key)\"", offset: keyOffset)
            }
            self.skipWhitespace()
            guard self.current == UInt8(ascii: ":") else { throw self.failure("expected ':'") }
            self.index += 1
            self.skipWhitespace()
            object[key] = try self.value(depth: depth)
            self.skipWhitespace()
            switch self.current {
            case UInt8(ascii: ","):
                self.index += 1
            case UInt8(ascii: "}"):
                self.index += 1
                return object
            default:
                throw self.failure("expected ',' or '}'")
            }
        }
    }

    mutating func array(depth: Int) throws(JSONParser.Failure) -> [JSONValue] {
        guard depth <= self.maximumDepth else { throw self.failure("nesting deeper than \(self.maximumDepth)") }
        self.index += 1
        var array: [JSONValue] = []
        self.skipWhitespace()
        if self.current == UInt8(ascii: "]") {
            self.index += 1
            return array
        }
        while true {
            self.skipWhitespace()
            array.append(try self.value(depth: depth))
            self.skipWhitespace()
            switch self.current {
            case UInt8(ascii: ","):
                self.index += 1
            case UInt8(ascii: "]"):
                self.index += 1
                return array
            default:
                throw self.failure("expected ',' or ']'")
            }
        }
    }

    mutating func number() throws(JSONParser.Failure) -> Double {
        let start = self.index
        if self.current == UInt8(ascii: "-") { self.index += 1 }
        guard let first = self.current, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else {
            throw self.failure("invalid number")
        }
        self.index += 1
        if first == UInt8(ascii: "0"), let next = self.current, next >= UInt8(ascii: "0"), next <= UInt8(ascii: "9") {
            throw self.failure("leading zero in number")
        }
        self.skipDigits()
        if self.current == UInt8(ascii: ".") {
            self.index += 1
            guard self.skipDigits() > 0 else { throw self.failure("invalid fraction") }
        }
        if self.current == UInt8(ascii: "e") || self.current == UInt8(ascii: "E") {
            self.index += 1
            if self.current == UInt8(ascii: "+") || self.current == UInt8(ascii: "-") { self.index += 1 }
            guard self.skipDigits() > 0 else { throw self.failure("invalid exponent") }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: self.bytes[start..<self.index]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else { throw self.failure("number out of range") }
        return value
    }

    @discardableResult
    mutating func skipDigits() -> Int {
        let start = self.index
        while let byte = self.current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { self.index += 1 }
        return self.index - start
    }

    mutating func string() throws(JSONParser.Failure) -> String {
        self.index += 1
        let start = self.index
        // Fast path: no escapes, so the bytes between the quotes are the string (validated as UTF-8 below).
        while let byte = self.current, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\"), byte >= 0x20 {
            self.index += 1
        }
        guard let stop = self.current else { throw self.failure("unterminated string") }
        if stop == UInt8(ascii: "\"") {
            let slice = UnsafeBufferPointer(rebasing: self.bytes[start..<self.index])
            guard let text = String(validating: slice, as: UTF8.self) else {
                throw JSONParser.Failure(reason: "invalid UTF-8 in string", offset: start)
            }
            self.index += 1
            return text
        }
        var scalars = Array(UnsafeBufferPointer(rebasing: self.bytes[start..<self.index]))
        while true {
            guard let byte = self.current else { throw self.failure("unterminated string") }
            switch byte {
            case UInt8(ascii: "\""):
                self.index += 1
                guard let text = String(validating: scalars, as: UTF8.self) else {
                    throw JSONParser.Failure(reason: "invalid UTF-8 in string", offset: start)
                }
                return text
            case UInt8(ascii: "\\"):
                self.index += 1
                try self.escape(into: &scalars)
            case 0..<0x20:
                throw self.failure("unescaped control character in string")
            default:
                scalars.append(byte)
                self.index += 1
            }
        }
    }

    mutating func escape(into output: inout [UInt8]) throws(JSONParser.Failure) {
        guard let byte = self.current else { throw self.failure("unterminated escape") }
        self.index += 1
        switch byte {
        case UInt8(ascii: "\""): output.append(0x22)
        case UInt8(ascii: "\\"): output.append(0x5C)
        case UInt8(ascii: "/"): output.append(0x2F)
        case UInt8(ascii: "b"): output.append(0x08)
        case UInt8(ascii: "f"): output.append(0x0C)
        case UInt8(ascii: "n"): output.append(0x0A)
        case UInt8(ascii: "r"): output.append(0x0D)
        case UInt8(ascii: "t"): output.append(0x09)
        case UInt8(ascii: "u"):
            var code = UInt32(try self.hex4())
            if (0xD800...0xDBFF).contains(code) {
                guard self.current == UInt8(ascii: "\\") else { throw self.failure("lone surrogate escape") }
                self.index += 1
                guard self.current == UInt8(ascii: "u") else { throw self.failure("lone surrogate escape") }
                self.index += 1
                let low = UInt32(try self.hex4())
                guard (0xDC00...0xDFFF).contains(low) else { throw self.failure("lone surrogate escape") }
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(code) {
                throw self.failure("lone surrogate escape")
            }
            guard let scalar = Unicode.Scalar(code) else { throw self.failure("invalid escape") }
            output.append(contentsOf: UTF8.encode(scalar)!)
        default:
            throw self.failure("invalid escape")
        }
    }

    mutating func hex4() throws(JSONParser.Failure) -> UInt16 {
        guard self.index + 4 <= self.bytes.count else { throw self.failure("truncated \\u escape") }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = self.bytes[self.index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw self.failure("invalid \\u escape")
            }
            value = value << 4 | UInt16(digit)
            self.index += 1
        }
        return value
    }
}
