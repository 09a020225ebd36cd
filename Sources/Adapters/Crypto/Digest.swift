internal import COpenSSL
import Glibc

/// The libcrypto primitives the adapters use, wrapped once: SHA-1 (the WebSocket handshake), SHA-256 and
/// HMAC-SHA256 (Signature V4, HS256 tokens), constant-time comparison and random bytes (token ids).
package enum Digest {
    /// The length of a SHA-256 digest and of an HMAC-SHA256 tag, in bytes.
    package static let sha256Length = 32

    /// SHA-1 of the bytes (only for RFC 6455's `Sec-WebSocket-Accept`, where it is not a security primitive).
    package static func sha1(_ bytes: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: 20)
        bytes.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                _ = SHA1(input.baseAddress, input.count, out.baseAddress)
            }
        }
        return output
    }

    /// SHA-256 of the bytes.
    package static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: 32)
        bytes.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { out in
                // EVP_Digest with EVP_sha256 cannot fail for in-memory input short of memory exhaustion.
                _ = EVP_Digest(
                    input.baseAddress, input.count, out.baseAddress?.assumingMemoryBound(to: UInt8.self), nil,
                    EVP_sha256(), nil)
            }
        }
        return output
    }

    /// HMAC-SHA256 of `data` under `key` (RFC 2104 with SHA-256, checked against RFC 4231).
    package static func hmacSHA256(key: [UInt8], data: some Collection<UInt8>) -> [UInt8] {
        let data = Array(data)
        var tag = [UInt8](repeating: 0, count: Self.sha256Length)
        var tagLength: UInt32 = 0
        // An empty Swift array may have no storage; HMAC() wants a valid pointer even for zero bytes.
        let one: [UInt8] = [0]
        let keyBytes = key.isEmpty ? one : key
        let dataBytes = data.isEmpty ? one : data
        let result = keyBytes.withUnsafeBufferPointer { keyBuffer in
            dataBytes.withUnsafeBufferPointer { dataBuffer in
                tag.withUnsafeMutableBufferPointer { tagBuffer in
                    HMAC(
                        EVP_sha256(), keyBuffer.baseAddress, Int32(key.count), dataBuffer.baseAddress, data.count,
                        tagBuffer.baseAddress, &tagLength)
                }
            }
        }
        // HMAC() fails only when libcrypto cannot allocate or SHA-256 is missing: nothing a caller could handle.
        precondition(result != nil && tagLength == UInt32(Self.sha256Length), "libcrypto HMAC-SHA256 failed")
        return tag
    }

    /// Compares two byte strings without an early exit, so the time taken does not reveal where they differ.
    package static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        // Lengths are public (a tag is always 32 bytes); only the contents need a constant-time compare.
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

    /// SHA-256 of `length` bytes of a file from `offset`, read in chunks (blocking: call it off the caller's executor).
    package static func sha256(
        ofFile path: String, offset: Int64, length: Int64, chunkSize: Int = 64 * 1024
    ) throws(DigestError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DigestError(errno: errno) }
        defer { close(fd) }
        guard let context = EVP_MD_CTX_new() else { throw DigestError(errno: ENOMEM) }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else { throw DigestError(errno: EINVAL) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        var done: Int64 = 0
        while done < length {
            let count = pread(fd, buffer.baseAddress, Int(min(Int64(chunkSize), length - done)), off_t(offset + done))
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw DigestError(errno: count < 0 ? errno : EIO) }
            guard EVP_DigestUpdate(context, buffer.baseAddress, count) == 1 else { throw DigestError(errno: EINVAL) }
            done += Int64(count)
        }
        var output = [UInt8](repeating: 0, count: 32)
        var size: UInt32 = 32
        let finished = output.withUnsafeMutableBufferPointer { EVP_DigestFinal_ex(context, $0.baseAddress, &size) }
        guard finished == 1 else { throw DigestError(errno: EINVAL) }
        return output
    }

    /// Lower-case hexadecimal, as Signature V4 writes hashes and signatures.
    package static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

/// A file body could not be read for hashing.
package struct DigestError: Error, CustomStringConvertible {
    package var errno: Int32
    package var description: String { "DigestError(errno: \(self.errno))" }
}
