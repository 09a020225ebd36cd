import HTTPCore
import Application
import Crypto
import Domain
import Foundation
import HTTPClient
import S3
import TestSupport
import Testing

/// The S3 adapter against moto on loopback (scripts/services/s3.sh).
@Suite(TestEnvironment.requires("TEST_S3_ENDPOINT"))
struct S3ObjectStorageTests {
    @Test(arguments: ObjectStorageContract.cases)
    func contract(_ c: ObjectStorageContract.Case) async throws { try await c.run(S3TestSupport.plainStorage()) }

    /// Signature verification on: the same contract, with ASCII keys (moto's verifier mishandles the others).
    @Test(arguments: ObjectStorageContract.asciiKeyCases)
    func contractWithSignaturesVerified(_ c: ObjectStorageContract.Case) async throws {
        try await c.run(S3TestSupport.verifyingStorage())
    }

    @Test(arguments: [0, 1, 5 * 1_048_576, 20 * 1_048_576])
    func roundTripsKeepEveryByte(size: Int) async throws {
        let storage = try S3TestSupport.plainStorage()
        try await storage.prepare()
        let bytes = S3TestSupport.bytes(count: size, seed: UInt64(size))
        let key = "round-trip/\(UUID())/\(size).bin"
        try await storage.put(key: key, contentType: "application/octet-stream", body: .bytes(bytes))
        #expect(
            try await storage.head(key: key) == ObjectInfo(size: Int64(size), contentType: "application/octet-stream"))
        let back = try await storage.get(key: key)
        #expect(back.count == size)
        #expect(Digest.sha256(back) == Digest.sha256(bytes))
        try await storage.delete(key: key)
        #expect(try await storage.head(key: key) == nil)
    }

    @Test(arguments: [0, 1, 5 * 1_048_576, 20 * 1_048_576])
    func fileBodiesRoundTripWithSignaturesVerified(size: Int) async throws {
        let storage = try S3TestSupport.verifyingStorage()
        try await storage.prepare()
        let bytes = S3TestSupport.bytes(count: size, seed: UInt64(size) + 1)
        let path = try ObjectStorageContract.temporaryFile(bytes)
        defer { unlink(path) }
        let key = "file-body/\(UUID())/\(size).bin"
        try await storage.put(
            key: key, contentType: "application/octet-stream", body: .file(path: path, offset: 0, length: Int64(size)))
        #expect(try await storage.head(key: key)?.size == Int64(size))
        #expect(Digest.sha256(try await storage.get(key: key)) == Digest.sha256(bytes))
        try await storage.delete(key: key)
    }

    @Test func aWrongSecretIsRefusedAndTheRightOneAccepted() async throws {
        let right = try S3TestSupport.verifyingStorage()
        try await right.prepare()
        try await right.put(key: "auth/ok.txt", contentType: "text/plain", body: .bytes([1, 2, 3]))

        let wrong = try S3TestSupport.verifyingStorage(secret: "not-the-secret")
        await #expect(throws: DomainError.storageUnavailable) {
            try await wrong.put(key: "auth/refused.txt", contentType: "text/plain", body: .bytes([1]))
        }
        await #expect(throws: DomainError.storageUnavailable) { try await wrong.get(key: "auth/ok.txt") }

        // The server itself says why: 403 SignatureDoesNotMatch for the wrong secret, 200 for the right one.
        for (secret, status) in [
            ("not-the-secret", 403), (try TestEnvironment.require("TEST_S3_VERIFY_SECRET_KEY"), 200),
        ] {
            let url = wrong.url(key: "auth/ok.txt")
            let signer = SignatureV4(
                accessKey: try TestEnvironment.require("TEST_S3_VERIFY_ACCESS_KEY"), secretKey: secret,
                region: "us-east-1")
            let headers = signer.sign(
                method: "GET", url: url, headers: [:], payloadHash: SignatureV4.emptyPayloadHash, date: Date())
            let response = try await HTTPClient().execute(HTTPClientRequest(method: "GET", url: url, headers: headers))
            #expect(response.status == status)
            if status == 403 { #expect(response.bodyText.contains("SignatureDoesNotMatch")) }
            if status == 200 { #expect(response.body == [1, 2, 3]) }
        }
        #expect(try await right.head(key: "auth/refused.txt") == nil)
    }

    @Test(TestEnvironment.requires("TEST_S3_PYTHON"))
    func boto3ReadsWhatTheAdapterWroteAndTheAdapterReadsWhatBoto3Wrote() async throws {
        let storage = try S3TestSupport.plainStorage()
        try await storage.prepare()
        let bytes = S3TestSupport.bytes(count: 1_048_576 + 17, seed: 42)
        let prefix = "interop/\(UUID())/"
        let ourKey = prefix + "from adapter 溫度+1.bin"
        try await storage.put(key: ourKey, contentType: "application/pdf", body: .bytes(bytes))

        let endpoint = try TestEnvironment.require("TEST_S3_ENDPOINT")
        let bucket = try TestEnvironment.require("TEST_S3_BUCKET")
        let client = """
            import boto3, hashlib, sys
            s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1",
                              aws_access_key_id="test", aws_secret_access_key="test")
            """
        let read = try S3TestSupport.python(
            client + """

                o = s3.get_object(Bucket=sys.argv[2], Key=sys.argv[3])
                print(hashlib.sha256(o["Body"].read()).hexdigest(), o["ContentType"], o["ContentLength"])
                """, arguments: [endpoint, bucket, ourKey])
        #expect(read == "\(Digest.hex(Digest.sha256(bytes))) application/pdf \(bytes.count)")

        let theirKey = prefix + "from boto3 ünï+2.bin"
        let written = try S3TestSupport.python(
            client + """

                body = bytes((i * 31 + 7) % 256 for i in range(300001))
                s3.put_object(Bucket=sys.argv[2], Key=sys.argv[3], Body=body, ContentType="image/png")
                print(hashlib.sha256(body).hexdigest())
                """, arguments: [endpoint, bucket, theirKey])
        let theirs = try await storage.get(key: theirKey)
        #expect(theirs.count == 300_001)
        #expect(Digest.hex(Digest.sha256(theirs)) == written)
        #expect(try await storage.head(key: theirKey)?.contentType == "image/png")
    }

    @Test func aMissingBucketIsCreatedByPrepare() async throws {
        let bucket = "created-\(UUID().uuidString.lowercased().prefix(8))"
        let storage = try S3TestSupport.plainStorage(bucket: bucket)
        await #expect(throws: DomainError.storageUnavailable) {
            try await storage.put(key: "k", contentType: "text/plain", body: .bytes([1]))
        }
        try await storage.prepare()
        try await storage.put(key: "k", contentType: "text/plain", body: .bytes([1]))
        #expect(try await storage.get(key: "k") == [1])
    }
}

/// Storage that is down answers `storageUnavailable` within seconds; nothing hangs.
struct S3UnavailableTests {
    static func storage(
        port: Int, connectTimeout: Duration = .seconds(2), readTimeout: Duration = .seconds(30)
    ) throws -> S3ObjectStorage {
        S3ObjectStorage(
            configuration: try S3Configuration(
                endpoint: "http://127.0.0.1:\(port)", bucket: "down", accessKey: "a", secretKey: "b",
                connectTimeout: connectTimeout, readTimeout: readTimeout))
    }

    @Test func aClosedPortIsUnavailableAtOnce() async throws {
        // Timeouts far longer than the bound: only an immediate refusal passes, even on a loaded machine.
        let storage = try Self.storage(
            port: try unusedLoopbackPort(), connectTimeout: .seconds(30), readTimeout: .seconds(30))
        let start = ContinuousClock.now
        await #expect(throws: DomainError.storageUnavailable) { try await storage.prepare() }
        await #expect(throws: DomainError.storageUnavailable) {
            try await storage.put(key: "k", contentType: "text/plain", body: .bytes([1]))
        }
        await #expect(throws: DomainError.storageUnavailable) { try await storage.get(key: "k") }
        await #expect(throws: DomainError.storageUnavailable) { try await storage.head(key: "k") }
        await #expect(throws: DomainError.storageUnavailable) { try await storage.delete(key: "k") }
        #expect(ContinuousClock.now - start < .seconds(15))
    }

    @Test func aServerThatNeverAnswersTimesOut() async throws {
        // A listening socket that never accepts: the kernel completes the TCP handshake, then nothing.
        let server = try LoopbackServer { connection in connection.waitForClose() }
        defer { server.stop() }
        let storage = try Self.storage(port: server.port, readTimeout: .seconds(1))
        let start = ContinuousClock.now
        await #expect(throws: DomainError.storageUnavailable) { try await storage.get(key: "k") }
        #expect(ContinuousClock.now - start < .seconds(15))  // 1 s, with room for a loaded machine
    }

    @Test func serverErrorsAreUnavailableAndNotFoundIsNotFound() async throws {
        let server = try LoopbackServer { connection in
            while let request = connection.readRequest() {
                if request.target.hasSuffix("/missing") {
                    connection.write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                } else {
                    connection.write("HTTP/1.1 503 Slow Down\r\nContent-Length: 0\r\n\r\n")
                }
            }
        }
        defer { server.stop() }
        let storage = try Self.storage(port: server.port)
        await #expect(throws: DomainError.notFound("File")) { try await storage.get(key: "missing") }
        #expect(try await storage.head(key: "missing") == nil)
        await #expect(throws: DomainError.storageUnavailable) { try await storage.get(key: "other") }
        await #expect(throws: DomainError.storageUnavailable) {
            try await storage.put(key: "other", contentType: "text/plain", body: .bytes([1]))
        }
    }

    @Test(arguments: [
        ["S3_BUCKET": "b", "S3_ACCESS_KEY": "a", "S3_SECRET_KEY": "s"],
        ["S3_ENDPOINT": "ftp://x", "S3_BUCKET": "bucket", "S3_ACCESS_KEY": "a", "S3_SECRET_KEY": "s"],
        ["S3_ENDPOINT": "http://x", "S3_BUCKET": "Bad_Bucket", "S3_ACCESS_KEY": "a", "S3_SECRET_KEY": "s"],
        ["S3_ENDPOINT": "http://x", "S3_BUCKET": "bucket", "S3_SECRET_KEY": "s"],
        ["S3_ENDPOINT": "http://x", "S3_BUCKET": "bucket", "S3_ACCESS_KEY": "a", "S3_SECRET_KEY": ""],
        [
            "S3_ENDPOINT": "http://x", "S3_REGION": "US EAST", "S3_BUCKET": "bucket", "S3_ACCESS_KEY": "a",
            "S3_SECRET_KEY": "s",
        ],
    ])
    func invalidSettingsAreNamed(environment: [String: String]) {
        #expect(throws: InvalidSetting.self) { try S3Configuration(environment: environment) }
    }

    @Test func settingsAreReadFromTheEnvironment() throws {
        let configuration = try S3Configuration(environment: [
            "S3_ENDPOINT": "https://minio.example:9000", "S3_BUCKET": "incident-files", "S3_ACCESS_KEY": "a",
            "S3_SECRET_KEY": "secret",
        ])
        #expect(configuration.region == "us-east-1")
        #expect(configuration.endpoint.isTLS)
        #expect(configuration.endpoint.port == 9000)
        let error = InvalidSetting(name: "S3_SECRET_KEY", reason: "is required")
        #expect(error.description == "S3_SECRET_KEY: is required")
    }
}
