import JWT
import Testing

struct Base64URLTests {
    /// RFC 4648 §10, in the base64url alphabet without padding.
    @Test(arguments: [
        ("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"),
        ("foobar", "Zm9vYmFy"),
    ])
    func rfc4648Vectors(_ plain: String, _ encoded: String) {
        #expect(Base64URL.encode(Array(plain.utf8)) == encoded)
        #expect(Base64URL.decode(encoded) == Array(plain.utf8))
    }

    @Test func usesTheURLAlphabet() {
        #expect(Base64URL.encode([0xFB, 0xFF, 0xBF]) == "-_-_")
        #expect(Base64URL.decode("-_-_") == [0xFB, 0xFF, 0xBF])
    }

    @Test func roundTripsEveryLength() {
        for length in 0...70 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            #expect(Base64URL.decode(Base64URL.encode(bytes)) == bytes, "length \(length)")
        }
    }

    @Test(arguments: [
        "Zg==",  // padding
        "Zg=",
        "Zm9v=",
        "+/+/",  // the standard alphabet
        "Zm 9v",  // whitespace
        "Zm9v\n",
        " Zm9v",
        "Z",  // a length that cannot occur
        "Zm9vY",
        "Zh",  // non-canonical: the unused bits of the last character are not zero
        "Zm9",
        "Zm9vYmF",
        "Zm9v\u{0}",
        "Zm9vä",
    ])
    func refusesNonCanonicalInput(_ text: String) {
        #expect(Base64URL.decode(text) == nil)
    }
}
