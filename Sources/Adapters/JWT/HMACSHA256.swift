internal import COpenSSL
internal import Foundation

/// HMAC-SHA256, constant-time comparison and random bytes from libcrypto.
package enum HMACSHA256 {
    /// The length of a tag, in bytes.
    package static let tagLength = 32

    /// The HMAC-SHA256 of `message` under `key` (RFC 2104 with SHA-256, checked against RFC 4231).
    package static func authenticationCode(key: [UInt8], message: some Collection<UInt8>) -> [UInt8] {
        let message = Array(message)
        var tag = [UInt8](repeating: 0, count: Self.tagLength)
        var tagLength: UInt32 = 0
        // An empty Swift array may have no storage; HMAC() wants a valid pointer even for zero bytes.
        let one: [UInt8] = [0]
        let keyBytes = key.isEmpty ? one : key
        let messageBytes = message.isEmpty ? one : message
        let result = keyBytes.withUnsafeBufferPointer { keyBuffer in
            messageBytes.withUnsafeBufferPointer { messageBuffer in
                tag.withUnsafeMutableBufferPointer { tagBuffer in
                    HMAC(
                        EVP_sha256(),
                        keyBuffer.baseAddress,
                        Int32(key.count),
                        messageBuffer.baseAddress,
                        message.count,
                        tagBuffer.baseAddress,
                        &tagLength
                    )
                }
            }
        }
        // HMAC() fails only when libcrypto cannot allocate or SHA-256 is missing: nothing a caller could handle.
        precondition(result != nil && tagLength == UInt32(Self.tagLength), "libcrypto HMAC-SHA256 failed")
        return tag
    }

    /// Compares two byte strings without an early exit, so the time taken does not reveal where they differ.
    package static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        // The lengths of a tag are public (always 32); only the contents need a constant-time compare.
        guard lhs.count == rhs.count else { return false }
        guard !lhs.isEmpty else { return true }
        return lhs.withUnsafeBytes { left in
            rhs.withUnsafeBytes { right in
                CRYPTO_memcmp(left.baseAddress, right.baseAddress, left.count) == 0
            }
        }
    }

    /// `count` bytes from the CSPRNG of libcrypto, or nil when it cannot deliver (not seeded).
    package static func randomBytes(_ count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        let status = bytes.withUnsafeMutableBufferPointer { buffer in
            RAND_bytes(buffer.baseAddress, Int32(count))
        }
        return status == 1 ? bytes : nil
    }
}
