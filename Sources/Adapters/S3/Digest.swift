internal import COpenSSL
import Glibc

/// SHA-256 and HMAC-SHA256 through libcrypto, the two primitives Signature V4 needs.
package enum Digest {
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

    /// HMAC-SHA256 of `data` under `key`.
    package static func hmacSHA256(key: [UInt8], data: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 32
        key.withUnsafeBytes { keyBytes in
            data.withUnsafeBytes { dataBytes in
                output.withUnsafeMutableBufferPointer { out in
                    _ = HMAC(
                        EVP_sha256(), keyBytes.baseAddress, Int32(keyBytes.count),
                        dataBytes.baseAddress?.assumingMemoryBound(to: UInt8.self), dataBytes.count, out.baseAddress,
                        &length)
                }
            }
        }
        return output
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
