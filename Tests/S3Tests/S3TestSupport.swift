import Foundation
import HTTPClient
import S3
import TestSupport
import Testing

/// Builds adapters for the moto instances that scripts/services/s3.sh started.
enum S3TestSupport {
    /// The plain moto (no signature checks): every contract case, unicode keys included.
    static func plainStorage(bucket: String? = nil) throws -> S3ObjectStorage {
        S3ObjectStorage(
            configuration: try S3Configuration(
                endpoint: try TestEnvironment.require("TEST_S3_ENDPOINT"),
                bucket: bucket ?? (try TestEnvironment.require("TEST_S3_BUCKET")),
                accessKey: try TestEnvironment.require("TEST_S3_ACCESS_KEY"),
                secretKey: try TestEnvironment.require("TEST_S3_SECRET_KEY")))
    }

    /// The moto that verifies signatures, with the IAM key s3.sh created (or another secret).
    static func verifyingStorage(
        secret: String? = nil, bucket: String = "incident-files-verified"
    ) throws
        -> S3ObjectStorage
    {
        S3ObjectStorage(
            configuration: try S3Configuration(
                endpoint: try TestEnvironment.require("TEST_S3_VERIFY_ENDPOINT"), bucket: bucket,
                accessKey: try TestEnvironment.require("TEST_S3_VERIFY_ACCESS_KEY"),
                secretKey: secret ?? (try TestEnvironment.require("TEST_S3_VERIFY_SECRET_KEY"))))
    }

    /// Deterministic pseudo-random bytes (fast, and a shifted or truncated copy never matches).
    static func bytes(count: Int, seed: UInt64) -> [UInt8] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            for i in 0..<count {
                state ^= state << 13
                state ^= state >> 7
                state ^= state << 17
                buffer[i] = UInt8(truncatingIfNeeded: state)
            }
            initialized = count
        }
    }

    /// Runs a Python snippet with the interpreter s3.sh found; returns stdout. Arguments go in as sys.argv[1...].
    static func python(_ script: String, arguments: [String] = []) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [BotocoreReference.python, "-c", script] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BotocoreReference.ReferenceError(status: process.terminationStatus)
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
