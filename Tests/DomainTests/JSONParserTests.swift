import Domain
import Testing

struct JSONParserTests {
    let parser = JSONParser()

    // MARK: - Valid documents

    @Test func parsesEveryKindOfValue() throws {
        let value = try self.parser.parse(
            #" { "t": true, "f": false, "n": null, "i": -12, "d": 0.5, "e": 1.5E+2, "s": "a\"b\\c\/\n", "#
                + #""a": [1, [], {}], "o": {"x": "林小明"} } "#)
        let expected: JSONObject = [
            "t": .bool(true), "f": .bool(false), "n": .null, "i": .number(-12), "d": .number(0.5),
            "e": .number(150), "s": .string("a\"b\\c/\n"),
            "a": .array([.number(1), .array([]), .object([:])]), "o": .object(["x": .string("林小明")]),
        ]
        #expect(value == .object(expected))
        #expect(value.objectValue?.keys == ["t", "f", "n", "i", "d", "e", "s", "a", "o"])
    }

    @Test(arguments: [
        ("0", 0.0), ("-0", -0.0), ("85", 85), ("-1.25", -1.25), ("1e3", 1000), ("2E-2", 0.02),
        ("123456789012345678901234567890", 1.2345678901234568e29), ("1e-400", 0),
    ])
    func parsesNumbers(_ text: String, _ expected: Double) throws {
        #expect(try self.parser.parse(text) == .number(expected))
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        #expect(try self.parser.parse(#""\u00e9\u6797\ud83d\udc4d\b\f\r\t""#) == .string("é林👍\u{8}\u{C}\r\t"))
        #expect(try self.parser.parse(#""\u0000""#) == .string("\u{0}"))
    }

    @Test func acceptsRawUTF8InStrings() throws {
        #expect(try self.parser.parse(Array("\"林小明 👨‍👩‍👧‍👦\"".utf8)) == .string("林小明 👨‍👩‍👧‍👦"))
    }

    // MARK: - Strictness

    @Test func refusesDuplicateKeysAndPointsAtTheSecond() {
        self.expectFailure(#"{"a":1, "a":2}"#, reason: "duplicate key \"a\"", offset: 8)
        // The same key spelled with an escape is still the same key.
        #expect(throws: JSONParser.Failure.self) { try self.parser.parse(#"{"a":1,"\u0061":2}"#) }
        // Nested objects have their own keys.
        #expect(throws: Never.self) { try self.parser.parse(#"{"a":{"a":1},"b":{"a":2}}"#) }
    }

    @Test(arguments: [2, 16, 32])
    func acceptsNestingUpToTheLimit(_ depth: Int) throws {
        let arrays = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(throws: Never.self) { try self.parser.parse(arrays) }
        let objects = String(repeating: #"{"k":"#, count: depth - 1) + "{}" + String(repeating: "}", count: depth - 1)
        #expect(throws: Never.self) { try self.parser.parse(objects) }
        let pairs = depth / 2
        let mixed = String(repeating: #"{"k":["#, count: pairs) + String(repeating: "]}", count: pairs)
        #expect(throws: Never.self) { try self.parser.parse(mixed) }
    }

    @Test(arguments: [33, 34, 100_000])
    func refusesNestingBeyondTheLimit(_ depth: Int) {
        let arrays = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(throws: JSONParser.Failure.self) { try self.parser.parse(arrays) }
        // Objects and arrays count alike: `{"k":[` opens two levels.
        let pairs = (depth + 1) / 2
        let mixed = String(repeating: #"{"k":["#, count: pairs) + String(repeating: "]}", count: pairs)
        #expect(throws: JSONParser.Failure.self) { try self.parser.parse(mixed) }
    }

    @Test func aSmallerLimitIsHonoured() {
        let shallow = JSONParser(maximumDepth: 2)
        #expect(throws: Never.self) { try shallow.parse("[[]]") }
        #expect(throws: JSONParser.Failure.self) { try shallow.parse("[[[]]]") }
    }

    @Test(arguments: [
        "01", "-01", "00", "1.", ".5", "-", "+1", "1e", "1e+", "0x10", "1.5.2", "NaN", "Infinity", "-Infinity",
        "1e400", "-1e400",
    ])
    func refusesMalformedOrHugeNumbers(_ text: String) {
        #expect(throws: JSONParser.Failure.self) { try self.parser.parse(text) }
    }

    @Test(arguments: [
        "", " ", "{} x", "{}{}", "[1] 2", "\"a\" \"b\"", "nul", "tru", "falsey", "True", "[1,]", "[,1]", "{,}",
        #"{"a":1,}"#, #"{"a" 1}"#, #"{a:1}"#, "{'a':1}", "[1 2]", "\"abc", "[", "{", #"{"a":"#, #""\x""#,
        #""\u12""#, #""\u12G4""#, "\u{A0}1", "//c\n1", "[1]\u{0}",
    ])
    func refusesSyntaxErrorsAndTrailingGarbage(_ text: String) {
        #expect(throws: JSONParser.Failure.self) { try self.parser.parse(text) }
    }

    @Test(arguments: [
        #""\ud800""#, #""\udc00""#, #""\ud800x""#, #""\ud800\u0041""#, #""\ud800\ud800""#, #""\udfff\ud800""#,
        #""\ud83d\n""#,
    ])
    func refusesLoneSurrogateEscapes(_ text: String) {
        #expect(throws: JSONParser.Failure.self) { try self.parser.parse(text) }
    }

    @Test(arguments: [0x00, 0x01, 0x08, 0x0A, 0x0D, 0x09, 0x1F] as [UInt8])
    func refusesRawControlCharactersInStrings(_ byte: UInt8) {
        let bytes: [UInt8] = [0x22, 0x61, byte, 0x62, 0x22]
        #expect(throws: JSONParser.Failure.self) { try self.parser.parse(bytes) }
        // After an escape the string takes the slow path; the rule is the same there.
        let escaped: [UInt8] = [0x22, 0x5C, 0x6E, byte, 0x22]
        #expect(throws: JSONParser.Failure.self) { try self.parser.parse(escaped) }
    }

    @Test(
        arguments: [
            [0xFF], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xE6, 0x9E], [0x80],
            [0xF4, 0x90, 0x80, 0x80],
            [0xF8, 0x88, 0x80, 0x80, 0x80],
        ] as [[UInt8]])
    func refusesInvalidUTF8(_ sequence: [UInt8]) {
        let plain: [UInt8] = [0x22] + sequence + [0x22]
        #expect(throws: JSONParser.Failure.self) { try self.parser.parse(plain) }
        let afterEscape: [UInt8] = [0x22, 0x5C, 0x74] + sequence + [0x22]
        #expect(throws: JSONParser.Failure.self) { try self.parser.parse(afterEscape) }
        let asKey: [UInt8] = [0x7B, 0x22] + sequence + [0x22, 0x3A, 0x31, 0x7D]
        #expect(throws: JSONParser.Failure.self) { try self.parser.parse(asKey) }
    }

    // MARK: - Hostile byte streams

    static let document = Array(
        #"{"temperature": 85, "unit": "°C", "ok": [true, false, null], "note": "line\n2 \u6797", "x": -1.5e3}"#.utf8)

    @Test func everyTruncationOfADocumentIsRefused() throws {
        #expect(throws: Never.self) { try self.parser.parse(Self.document) }
        for length in 0..<Self.document.count {
            #expect(throws: JSONParser.Failure.self, "prefix of \(length) bytes") {
                try self.parser.parse(Self.document.prefix(length))
            }
        }
    }

    @Test func aByteThatCanNeverAppearInJSONIsRefusedAnywhere() {
        // 0xFF is neither valid UTF-8 inside a string nor a token outside one.
        for position in 0...Self.document.count {
            var bytes = Self.document
            bytes.insert(0xFF, at: position)
            #expect(throws: JSONParser.Failure.self, "0xFF at \(position)") { try self.parser.parse(bytes) }
        }
    }

    @Test func aNULByteIsRefusedAnywhere() {
        for position in 0...Self.document.count {
            var bytes = Self.document
            bytes.insert(0x00, at: position)
            #expect(throws: JSONParser.Failure.self, "NUL at \(position)") { try self.parser.parse(bytes) }
        }
    }

    /// Thousands of single-byte mutations of a document (a fixed seed, so a failure repeats): whatever the parser
    /// accepts must survive writing and parsing again unchanged, and it must never accept invalid UTF-8.
    @Test func whatIsAcceptedFromMutatedBytesRoundTrips() throws {
        var random = SplitMix64(seed: 0x1D_2026)
        let alphabet =
            Array(#"{}[]":,.-+eE0123456789 \/untrfals"#.utf8) + [0x00, 0x1F, 0x7F, 0x80, 0xBF, 0xC3, 0xE6, 0xF0, 0xFF]
        var accepted = 0
        for _ in 0..<5_000 {
            var bytes = Self.document
            for _ in 0..<(1 + Int(random.next() % 3)) {
                let position = Int(random.next() % UInt64(bytes.count))
                let byte = alphabet[Int(random.next() % UInt64(alphabet.count))]
                switch random.next() % 3 {
                case 0: bytes[position] = byte
                case 1: bytes.insert(byte, at: position)
                default: bytes.remove(at: position)
                }
            }
            guard let value = try? self.parser.parse(bytes) else { continue }
            accepted += 1
            #expect(String(validating: bytes, as: UTF8.self) != nil, "accepted invalid UTF-8: \(bytes)")
            let written = JSONWriter.encode(value)
            #expect(try self.parser.parse(written) == value, "\(bytes)")
        }
        // Some mutations (a digit for a digit, a space) keep the document valid; the property was exercised.
        #expect(accepted > 50)
    }

    @Test func failuresCarryTheOffset() {
        self.expectFailure("{} x", reason: "unexpected data after the JSON value", offset: 3)
        self.expectFailure(#"{"a":01}"#, reason: "leading zero in number", offset: 6)
        self.expectFailure("[1, 2", reason: "expected ',' or ']'", offset: 5)
        self.expectFailure(Array("\"ok\u{1}\"".utf8), reason: "unescaped control character in string", offset: 3)
    }

    func expectFailure(
        _ text: String, reason: String, offset: Int, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        self.expectFailure(Array(text.utf8), reason: reason, offset: offset, sourceLocation: sourceLocation)
    }

    func expectFailure(
        _ bytes: [UInt8], reason: String, offset: Int, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            let value = try self.parser.parse(bytes)
            Issue.record("parsed \(value)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.reason == reason, sourceLocation: sourceLocation)
            #expect(error.offset == offset, sourceLocation: sourceLocation)
        }
    }
}

/// A small deterministic random number generator (SplitMix64), so generated inputs are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) {
        self.state = seed
    }

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
