import Application
import Crypto
import Foundation

/// Version 7 UUIDs (RFC 9562): 48 bits of Unix time in milliseconds, then 74 random bits from libcrypto.
///
/// Time-ordered ids keep the primary-key indexes of messages, rooms, files and notifications appending at their
/// right edge instead of touching a random leaf page per insert (more cache misses and, after each checkpoint, a
/// full-page image in the WAL for every page touched). Foundation's `UUID()` would also open, read and close
/// /dev/urandom for every id on Linux; libcrypto's generator is seeded once and answers in user space.
struct TimeOrderedIDGenerator: IDGenerator {
    var now: @Sendable () -> Date = { Date() }

    func next() -> UUID {
        guard var bytes = Digest.randomBytes(16) else { return UUID() }
        let milliseconds = UInt64(max(0, self.now().timeIntervalSince1970 * 1000))
        for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: milliseconds >> (40 - 8 * index)) }
        bytes[6] = (bytes[6] & 0x0F) | 0x70  // version 7
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 9562 variant
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9],
                bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            ))
    }
}
