/// Validates UTF-8 incrementally, across fragment boundaries, as RFC 6455 §8.1 asks (fail fast on a bad text frame).
///
/// The state is the number of continuation bytes still expected and the allowed range of the next one, which is
/// how overlong forms, surrogates (U+D800-DFFF) and code points above U+10FFFF are refused (RFC 3629 §4).
package struct UTF8Validator: Sendable {
    private var needed: UInt8 = 0
    private var lower: UInt8 = 0x80
    private var upper: UInt8 = 0xBF

    /// A validator at the start of a text.
    package init() {}

    /// True when no sequence is cut short at the end of the bytes seen so far.
    package var isComplete: Bool { self.needed == 0 }

    /// Feeds bytes; false as soon as they cannot be the start of valid UTF-8.
    package mutating func validate(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        let count = bytes.count
        guard let base = bytes.baseAddress else { return true }
        while i < count {
            if self.needed == 0 {
                // ASCII fast path, eight bytes at a time.
                while i + 8 <= count
                    && base.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0
                {
                    i += 8
                }
                guard i < count else { break }
                let b = base.load(fromByteOffset: i, as: UInt8.self)
                i += 1
                switch b {
                case 0x00...0x7F: continue
                case 0xC2...0xDF: (self.needed, self.lower, self.upper) = (1, 0x80, 0xBF)
                case 0xE0: (self.needed, self.lower, self.upper) = (2, 0xA0, 0xBF)
                case 0xE1...0xEC, 0xEE...0xEF: (self.needed, self.lower, self.upper) = (2, 0x80, 0xBF)
                case 0xED: (self.needed, self.lower, self.upper) = (2, 0x80, 0x9F)
                case 0xF0: (self.needed, self.lower, self.upper) = (3, 0x90, 0xBF)
                case 0xF1...0xF3: (self.needed, self.lower, self.upper) = (3, 0x80, 0xBF)
                case 0xF4: (self.needed, self.lower, self.upper) = (3, 0x80, 0x8F)
                default: return false
                }
            } else {
                let b = base.load(fromByteOffset: i, as: UInt8.self)
                i += 1
                guard b >= self.lower && b <= self.upper else { return false }
                self.needed -= 1
                self.lower = 0x80
                self.upper = 0xBF
            }
        }
        return true
    }

    /// Validates a whole buffer.
    package static func isValid(_ bytes: [UInt8]) -> Bool {
        var v = UTF8Validator()
        return bytes.withUnsafeBytes { v.validate($0) } && v.isComplete
    }
}
