import HTTPCore
import Foundation
import Crypto
import HTTPClient
import S3
import TestSupport
import Testing

struct SignatureV4Tests {
    static let aws = SignatureV4(
        accessKey: "AKIAIOSFODNN7EXAMPLE", secretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", region: "us-east-1")
    /// 20130524T000000Z, the time of every example in AWS's documentation.
    static let awsDate = Date(timeIntervalSince1970: 1_369_353_600)

    // MARK: - AWS's published examples
    // https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html (examplebucket, 2013-05-24)

    @Test func awsExampleGetObject() throws {
        let url = try HTTPURL("https://examplebucket.s3.amazonaws.com/test.txt")
        let signed = Self.aws.sign(
            method: "GET", url: url, headers: ["Range": "bytes=0-9"], payloadHash: SignatureV4.emptyPayloadHash,
            date: Self.awsDate)
        #expect(
            signed["Authorization"]
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
                + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(signed["x-amz-date"] == "20130524T000000Z")
    }

    @Test func awsExamplePutObject() throws {
        let body = Array("Welcome to Amazon S3.".utf8)
        let hash = Digest.hex(Digest.sha256(body))
        #expect(hash == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        let url = try HTTPURL(
            "https://examplebucket.s3.amazonaws.com/" + SignatureV4.uriEncode("test$file.text", keepSlash: true))
        #expect(url.target == "/test%24file.text")
        let signed = Self.aws.sign(
            method: "PUT", url: url,
            headers: ["Date": "Fri, 24 May 2013 00:00:00 GMT", "x-amz-storage-class": "REDUCED_REDUNDANCY"],
            payloadHash: hash, date: Self.awsDate)
        #expect(
            signed["Authorization"]
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                + "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, "
                + "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
    }

    @Test func awsExampleGetBucketLifecycle() throws {
        let signed = Self.aws.sign(
            method: "GET", url: try HTTPURL("https://examplebucket.s3.amazonaws.com/?lifecycle"), headers: [:],
            payloadHash: SignatureV4.emptyPayloadHash, date: Self.awsDate)
        #expect(
            signed["Authorization"]?.hasSuffix(
                "Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543") == true)
    }

    @Test func awsExampleListObjects() throws {
        let signed = Self.aws.sign(
            method: "GET", url: try HTTPURL("https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J"),
            headers: [:], payloadHash: SignatureV4.emptyPayloadHash, date: Self.awsDate)
        #expect(
            signed["Authorization"]?.hasSuffix(
                "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7") == true)
    }

    // https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
    @Test func awsExamplePresignedURL() throws {
        let url = Self.aws.presign(
            method: "GET", url: try HTTPURL("https://examplebucket.s3.amazonaws.com/test.txt"), expires: 86400,
            date: Self.awsDate)
        #expect(
            url == "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                + "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
                + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
                + "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
    }

    @Test func signingKeyDerivationMatchesAWSExample() {
        // The AWS General Reference's derived-key example (secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY).
        let signer = SignatureV4(
            accessKey: "AKIDEXAMPLE", secretKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", region: "us-east-1",
            service: "iam")
        #expect(
            Digest.hex(signer.signingKey(day: "20150830"))
                == "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9")
    }

    // MARK: - Encoding

    @Test(arguments: [
        ("photo.jpg", "photo.jpg"),
        ("a b", "a%20b"),
        ("a+b", "a%2Bb"),
        ("rooms/x/y", "rooms/x/y"),
        ("~-._", "~-._"),
        ("溫", "%E6%BA%AB"),
        ("100%", "100%25"),
        ("a*b", "a%2Ab"),
    ])
    func encodesKeysPerS3Rules(key: String, expected: String) {
        #expect(SignatureV4.uriEncode(key, keepSlash: true) == expected)
    }

    @Test func encodesSlashInQueryValues() {
        #expect(SignatureV4.uriEncode("a/b c", keepSlash: false) == "a%2Fb%20c")
    }

    // MARK: - botocore, byte for byte

    struct Fixtures: Decodable {
        struct Case: Decodable {
            var kind: String
            var endpoint: String
            var region: String
            var key: String?
            var method: String?
            var url: String
            var contentType: String?
            var body: String?
            var authorization: String?
            var amzDate: String?
            var payloadHash: String?
        }
        var accessKey: String
        var secretKey: String
        var bucket: String
        var cases: [Case]
    }

    static func fixtures() throws -> Fixtures {
        try JSONDecoder().decode(Fixtures.self, from: try BotocoreReference.run(BotocoreReference.script))
    }

    /// 2026-11-21T10:00:00Z, the time the reference script freezes botocore's clock at.
    static let fixtureDate = Date(timeIntervalSince1970: 1_795_255_200)

    static func storage(_ fixtures: Fixtures, _ c: Fixtures.Case) throws -> S3ObjectStorage {
        S3ObjectStorage(
            configuration: try S3Configuration(
                endpoint: c.endpoint, region: c.region, bucket: fixtures.bucket, accessKey: fixtures.accessKey,
                secretKey: fixtures.secretKey),
            now: { Self.fixtureDate })
    }

    @Test(TestEnvironment.requires("TEST_S3_PYTHON"))
    func headerSignaturesEqualBotocores() throws {
        let fixtures = try Self.fixtures()
        let cases = fixtures.cases.filter { $0.kind == "header" }
        #expect(cases.count > 100)
        for c in cases {
            let storage = try Self.storage(fixtures, c)
            let url = storage.url(key: c.key)
            #expect(url.origin + url.target == c.url, "URL of \(c.key ?? "bucket")")
            let body = Array((c.body ?? "").utf8)
            let hash = Digest.hex(Digest.sha256(body))
            #expect(hash == c.payloadHash)
            var headers = HTTPHeaders()
            if let contentType = c.contentType { headers.add("Content-Type", contentType) }
            let signer = SignatureV4(accessKey: fixtures.accessKey, secretKey: fixtures.secretKey, region: c.region)
            let signed = signer.sign(
                method: c.method ?? "", url: url, headers: headers, payloadHash: hash, date: Self.fixtureDate)
            #expect(signed["Authorization"] == c.authorization, "\(c.method ?? "") \(c.key ?? "bucket") \(c.region)")
            #expect(signed["x-amz-date"] == c.amzDate)
        }
    }

    @Test(TestEnvironment.requires("TEST_S3_PYTHON"))
    func presignedURLsEqualBoto3s() throws {
        let fixtures = try Self.fixtures()
        let cases = fixtures.cases.filter { $0.kind == "presign" }
        #expect(cases.count == 28)
        for c in cases {
            let storage = try Self.storage(fixtures, c)
            let url = try storage.downloadURL(key: c.key ?? "", expiresIn: 3600, at: Self.fixtureDate)
            #expect(url == c.url, "\(c.key ?? "") \(c.region) \(c.endpoint)")
        }
    }

    @Test func timestampsAreUTC() {
        let (amzDate, day) = SignatureV4.timestamps(Date(timeIntervalSince1970: 1_795_255_200.999))
        #expect(amzDate == "20261121T100000Z")
        #expect(day == "20261121")
    }
}
