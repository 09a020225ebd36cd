import Domain
import Testing

struct JSONWriterTests {
    @Test(arguments: [
        (85.0, "85"), (-12.0, "-12"), (0.0, "0"), (-0.0, "0"), (1.5, "1.5"), (-0.25, "-0.25"),
        (1e15, "1000000000000000"),
        (9_007_199_254_740_991, "9007199254740991"),
    ])
    func integersPrintWithoutAFraction(_ number: Double, _ expected: String) {
        #expect(JSONWriter.string(.number(number)) == expected)
    }

    @Test(arguments: [Double.nan, .infinity, -.infinity])
    func nonFiniteNumbersBecomeNull(_ number: Double) {
        #expect(JSONWriter.string(.number(number)) == "null")
    }

    @Test func escapesWhatJSONRequires() {
        let text = "quote\" backslash\\ slash/ nl\n cr\r tab\t nul\u{0} bell\u{7} us\u{1F} del\u{7F} é 林 👍"
        #expect(
            JSONWriter.string(.string(text))
                == #""quote\" backslash\\ slash/ nl\n cr\r tab\t nul\u0000 bell\u0007 us\u001f del"#
                + "\u{7F} é 林 👍\"")
    }

    @Test(arguments: [
        ("\n", #""\n""#), ("\"\"", #""\"\"""#), ("", #""""#), ("a\\", #""a\\""#), ("\u{1}b", #""\u0001b""#),
    ])
    func escapesAtTheEdgesOfAString(_ text: String, _ expected: String) {
        #expect(JSONWriter.string(.string(text)) == expected)
    }

    @Test func keepsTheKeyOrderItWasGiven() {
        var object = JSONObject()
        object["zeta"] = .number(1)
        object["alpha"] = .number(2)
        object["mid"] = .number(3)
        object["alpha"] = .number(4)
        #expect(JSONWriter.string(.object(object)) == #"{"zeta":1,"alpha":4,"mid":3}"#)
        object["zeta"] = nil
        #expect(JSONWriter.string(.object(object)) == #"{"alpha":4,"mid":3}"#)
    }

    @Test func writesCompactContainers() {
        let value: JSONValue = .object([
            "a": .array([.null, .bool(true), .bool(false), .array([]), .object([:])]), "b": .string(""),
        ])
        #expect(JSONWriter.string(value) == #"{"a":[null,true,false,[],{}],"b":""}"#)
    }

    static let samples: [JSONValue] = [
        .object([
            "temperature": .number(85), "pressure": .number(120.5), "unit": .string("°C"), "ok": .bool(true),
            "none": .null, "list": .array([.number(-1), .string("a\"b\\c\n\u{1}")]),
        ]),
        .array([.number(1e300), .number(-1e-7), .number(0.1), .number(123_456_789.125)]),
        .string("林小明 👨‍👩‍👧‍👦 🇹🇼 \u{7F}"),
        .object(["z": .object(["y": .object(["x": .array([])])]), "": .string("empty key")]),
    ]

    @Test(arguments: Self.samples)
    func roundTripsThroughTheParser(_ value: JSONValue) throws {
        let bytes = JSONWriter.encode(value)
        let parsed = try JSONParser().parse(bytes)
        #expect(parsed == value)
        #expect(JSONWriter.encode(parsed) == bytes)
        if case .object(let original) = value, case .object(let again) = parsed {
            #expect(again.keys == original.keys)
        }
    }

    @Test func parsedDocumentsAreWrittenBackInTheirOwnOrder() throws {
        let text = #"{"temperature":85,"pressure":120,"humidity":0.45,"line":"B2"}"#
        #expect(JSONWriter.string(try JSONParser().parse(text)) == text)
    }
}
