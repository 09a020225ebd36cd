import Domain
import Testing

struct ContentRulesTests {
    // MARK: - Size

    @Test(arguments: ["a", "é", "林", "👍"])
    func textAtExactlyTheLimitIsAccepted(_ unit: String) throws {
        let bytesPerUnit = unit.utf8.count
        let text =
            String(repeating: unit, count: 10_240 / bytesPerUnit)
            + String(repeating: "a", count: 10_240 % bytesPerUnit)
        #expect(text.utf8.count == 10_240)
        #expect(throws: Never.self) { try ContentRules.validate(text: text) }
    }

    @Test(arguments: ["a", "é", "林", "👍"])
    func textOneByteOverTheLimitIsTooLarge(_ unit: String) {
        let bytesPerUnit = unit.utf8.count
        let text =
            String(repeating: unit, count: 10_240 / bytesPerUnit)
            + String(repeating: "a", count: 10_240 % bytesPerUnit + 1)
        #expect(text.utf8.count == 10_241)
        #expect(throws: DomainError.messageTooLarge(limit: 10_240)) { try ContentRules.validate(text: text) }
    }

    @Test func aMultiByteCharacterThatCrossesTheLimitIsTooLarge() {
        // 10 240 characters would pass a character count; the limit counts UTF-8 bytes.
        let text = String(repeating: "a", count: 10_239) + "林"
        #expect(text.utf8.count == 10_242)
        #expect(throws: DomainError.messageTooLarge(limit: 10_240)) { try ContentRules.validate(text: text) }
    }

    // MARK: - Empty text

    @Test(arguments: ["", " ", "\n", "\t \r\n", "\u{3000}", "\u{A0}"])
    func emptyOrBlankTextIsRefused(_ text: String) {
        #expect(throws: DomainError.validationFailed(field: "content", reason: "must not be empty")) {
            try ContentRules.validate(text: text)
        }
    }

    // MARK: - Control characters

    static let refused: [UInt32] = Array(0x00...0x08) + [0x0B, 0x0C] + Array(0x0E...0x1F) + [0x7F] + Array(0x80...0x9F)

    @Test(arguments: Self.refused)
    func refusesEachControlCharacter(_ value: UInt32) throws {
        let scalar = try #require(Unicode.Scalar(value))
        #expect(ContentRules.isRefused(scalar))
        let text = "before " + String(Character(scalar)) + " after"
        #expect(throws: DomainError.validationFailed(field: "content", reason: "contains control characters")) {
            try ContentRules.validate(text: text)
        }
    }

    @Test(arguments: [0x09, 0x0A, 0x0D, 0x20, 0x7E, 0xA0, 0xFF, 0x200D, 0xFE0F, 0x6797, 0x1F44D] as [UInt32])
    func allowsTabNewlinesAndPrintableCharacters(_ value: UInt32) throws {
        let scalar = try #require(Unicode.Scalar(value))
        #expect(!ContentRules.isRefused(scalar))
        #expect(throws: Never.self) { try ContentRules.validate(text: "line one" + String(Character(scalar)) + "two") }
    }

    @Test func theFieldNameIsReported() {
        #expect(throws: DomainError.validationFailed(field: "caption", reason: "contains control characters")) {
            try ContentRules.validate(text: "a\u{1B}[31m", field: "caption")
        }
    }

    // MARK: - Readings

    /// An object `{"r": "xxx…"}` whose serialized form is exactly `bytes` long.
    static func readings(serializedBytes bytes: Int) -> JSONObject {
        let overhead = #"{"r":""}"#.utf8.count
        return ["r": .string(String(repeating: "x", count: bytes - overhead))]
    }

    @Test func readingsAtExactlyTheLimitAreAccepted() throws {
        let readings = Self.readings(serializedBytes: 102_400)
        #expect(JSONWriter.encode(.object(readings)).count == 102_400)
        #expect(throws: Never.self) { try ContentRules.validate(readings: readings) }
    }

    @Test func readingsOneByteOverTheLimitAreTooLarge() {
        let readings = Self.readings(serializedBytes: 102_401)
        #expect(JSONWriter.encode(.object(readings)).count == 102_401)
        #expect(throws: DomainError.messageTooLarge(limit: 102_400)) { try ContentRules.validate(readings: readings) }
    }

    @Test func readingsAreANonEmptyObjectOfNamedValues() {
        #expect(
            throws: DomainError.validationFailed(field: "content", reason: "must be a non-empty object of readings")
        ) {
            try ContentRules.validate(readings: [:])
        }
        #expect(throws: DomainError.validationFailed(field: "content", reason: "a reading needs a name")) {
            try ContentRules.validate(readings: ["": .number(1)])
        }
        #expect(throws: Never.self) {
            try ContentRules.validate(readings: [
                "temperature": .number(85), "pressure": .number(120), "ok": .bool(true),
            ])
        }
    }

    @Test(
        arguments: [
            ["bad\u{0}name": .number(1)],
            ["note": .string("esc\u{1B}")],
            ["list": .array([.string("c1\u{85}")])],
            ["nested": .object(["deep\u{7F}": .number(1)])],
            ["nested": .object(["deep": .array([.object(["x": .string("\u{9F}")])])])],
        ] as [JSONObject])
    func readingsRefuseControlCharactersAnywhere(_ readings: JSONObject) {
        #expect(throws: DomainError.validationFailed(field: "content", reason: "contains control characters")) {
            try ContentRules.validate(readings: readings)
        }
    }
}
