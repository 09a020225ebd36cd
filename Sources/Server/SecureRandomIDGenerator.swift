import Application
import Crypto
import Foundation

/// Version 4 UUIDs from libcrypto's generator.
///
/// Foundation's `UUID()` opens, reads and closes /dev/urandom for every id on Linux: three system calls and a path
/// lookup for each message sent. libcrypto's generator is seeded once by the kernel and answers in user space.
struct SecureRandomIDGenerator: IDGenerator {
    func next() -> UUID {
        guard var bytes = Digest.randomBytes(16) else { return UUID() }
        bytes[6] = (bytes[6] & 0x0F) | 0x40  // version 4
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 4122 variant
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9],
                bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            ))
    }
}
