import Domain
import Testing

struct JSONObjectTests {
    @Test(arguments: [3, 16, 17, 200])
    func keepsInsertionOrderAndFindsEveryKey(_ size: Int) {
        var object = JSONObject()
        for i in 0..<size { object["k\(i)"] = .number(Double(i)) }
        #expect(object.count == size)
        #expect(object.keys == (0..<size).map { "k\($0)" })
        for i in 0..<size { #expect(object["k\(i)"] == .number(Double(i))) }
        #expect(object["missing"] == nil)

        object["k0"] = .string("replaced")
        #expect(object.keys.first == "k0" && object["k0"] == .string("replaced") && object.count == size)

        object["k1"] = nil
        #expect(object.count == size - 1 && object["k1"] == nil)
        #expect(object.keys == ["k0"] + (2..<size).map { "k\($0)" })
        for i in 2..<size { #expect(object["k\(i)"] == .number(Double(i))) }

        object["k1"] = .bool(true)
        #expect(object.keys.last == "k1" && object["k1"] == .bool(true))
    }

    /// A literal keeps no key index, even past the threshold (a message's object has 19 keys): lookups, changes and
    /// growth behave as for an object built key by key, and the two are equal.
    @Test func aLiteralWithManyKeysBehavesLikeOneBuiltKeyByKey() {
        var literal: JSONObject = [
            "a": .number(0), "b": .number(1), "c": .number(2), "d": .number(3), "e": .number(4), "f": .number(5),
            "g": .number(6), "h": .number(7), "i": .number(8), "j": .number(9), "k": .number(10), "l": .number(11),
            "m": .number(12), "n": .number(13), "o": .number(14), "p": .number(15), "q": .number(16),
            "r": .number(17), "s": .number(18),
        ]
        var built = JSONObject()
        for (offset, key) in "abcdefghijklmnopqrs".enumerated() { built[String(key)] = .number(Double(offset)) }
        #expect(literal == built && literal.keys == built.keys)
        #expect(literal["s"] == .number(18) && literal["z"] == nil)

        literal["t"] = .null
        literal["a"] = .string("first")
        literal["j"] = nil
        #expect(literal.count == 19 && literal.keys.last == "t" && literal["a"] == .string("first"))
        #expect(literal["j"] == nil && literal["k"] == .number(10) && literal["t"] == .null)
    }

    @Test func equalityDependsOnOrderAndValues() {
        let ab: JSONObject = ["a": .number(1), "b": .number(2)]
        let ba: JSONObject = ["b": .number(2), "a": .number(1)]
        #expect(ab == ["a": .number(1), "b": .number(2)])
        #expect(ab != ba)
        #expect(ab != ["a": .number(1), "b": .number(3)])
        #expect(Set([JSONValue.object(ab), .object(["a": .number(1), "b": .number(2)])]).count == 1)
    }

    @Test func aDuplicateKeyAfterThousandsOfKeysIsRefused() throws {
        let members = (0..<20_000).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        let unique = try JSONParser().parse("{\(members)}")
        #expect(unique.objectValue?.count == 20_000)
        #expect(unique["k19999"] == .number(19_999))
        #expect(throws: JSONParser.Failure.self) { try JSONParser().parse("{\(members),\"k7\":1}") }
    }
}
