import JWT
import Crypto
import Testing

/// RFC 4231 §4: the HMAC-SHA256 test vectors, test cases 1 to 7.
struct HMACSHA256Tests {
    struct Vector: Sendable, CustomTestStringConvertible {
        var name: String
        var key: [UInt8]
        var data: [UInt8]
        var expected: String
        /// Test case 5 checks only the first 128 bits.
        var truncatedTo: Int = 32
        var testDescription: String { self.name }
    }

    static let vectors: [Vector] = [
        Vector(
            name: "1",
            key: [UInt8](repeating: 0x0B, count: 20),
            data: Array("Hi There".utf8),
            expected: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        ),
        Vector(
            name: "2 (key shorter than the length of the output)",
            key: Array("Jefe".utf8),
            data: Array("what do ya want for nothing?".utf8),
            expected: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        ),
        Vector(
            name: "3",
            key: [UInt8](repeating: 0xAA, count: 20),
            data: [UInt8](repeating: 0xDD, count: 50),
            expected: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"
        ),
        Vector(
            name: "4",
            key: Array(1...25),
            data: [UInt8](repeating: 0xCD, count: 50),
            expected: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"
        ),
        Vector(
            name: "5 (truncation to 128 bits)",
            key: [UInt8](repeating: 0x0C, count: 20),
            data: Array("Test With Truncation".utf8),
            expected: "a3b6167473100ee06e0c796c2955552b",
            truncatedTo: 16
        ),
        Vector(
            name: "6 (key larger than the block size)",
            key: [UInt8](repeating: 0xAA, count: 131),
            data: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
            expected: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        ),
        Vector(
            name: "7 (key and data larger than the block size)",
            key: [UInt8](repeating: 0xAA, count: 131),
            data: Array(
                ("This is a test using a larger than block-size key and a larger than block-size data. "
                    + "The key needs to be hashed before being used by the HMAC algorithm.").utf8
            ),
            expected: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"
        ),
    ]

    @Test(arguments: Self.vectors)
    func rfc4231(_ vector: Vector) {
        let tag = Digest.hmacSHA256(key: vector.key, data: vector.data)
        #expect(tag.count == 32)
        #expect(hex(tag.prefix(vector.truncatedTo)) == vector.expected)
    }

    @Test func constantTimeEqualsComparesContentsAndLength() {
        let tag = Digest.hmacSHA256(key: Array("Jefe".utf8), data: Array("x".utf8))
        var flipped = tag
        flipped[31] ^= 0x01
        #expect(Digest.constantTimeEquals(tag, tag))
        #expect(!Digest.constantTimeEquals(tag, flipped))
        #expect(!Digest.constantTimeEquals(tag, Array(tag.prefix(31))))
        #expect(!Digest.constantTimeEquals(tag, []))
    }

    @Test func randomBytesDiffer() throws {
        let first = try #require(Digest.randomBytes(16))
        let second = try #require(Digest.randomBytes(16))
        #expect(first.count == 16)
        #expect(first != second)
    }
}

func hex(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { byte in
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }.joined()
}
