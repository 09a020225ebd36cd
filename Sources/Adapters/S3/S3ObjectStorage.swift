package import Application
import Crypto
import Domain
package import Foundation
package import HTTPClient
import HTTPCore

/// `ObjectStorage` on an S3-compatible server (MinIO, AWS S3, moto), path-style, signed with Signature V4.
///
/// Payload hash: the real SHA-256 of every body, never `UNSIGNED-PAYLOAD`. The signature then covers the bytes
/// themselves, over plain http too, and the server refuses a body damaged on the way (`XAmzContentSHA256Mismatch`).
/// The price is one extra read of a file body before sending it (a file is hashed in 64 KiB chunks, on its own
/// thread, so memory stays flat); see docs/PERFORMANCE.md ("S3 adapter").
///
/// Failures: anything that says the storage cannot serve (refused, timed out, reset, TLS, 5xx, 403 from a wrong
/// key) is `DomainError.storageUnavailable`; a missing object on `get` is `DomainError.notFound`.
package final class S3ObjectStorage: ObjectStorage {
    package let configuration: S3Configuration
    private let client: HTTPClient
    private let signer: SignatureV4
    private let now: @Sendable () -> Date

    /// - Parameters:
    ///   - client: shared with other users of the same endpoint, or nil for one of its own with the configured
    ///     timeouts and CA file.
    ///   - now: the signing clock (a fixed one in tests).
    package init(
        configuration: S3Configuration, client: HTTPClient? = nil, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.configuration = configuration
        self.client =
            client
            ?? HTTPClient(
                configuration: HTTPClientConfiguration(
                    connectTimeout: configuration.connectTimeout, readTimeout: configuration.readTimeout,
                    writeTimeout: configuration.readTimeout, caFile: configuration.caFile))
        self.signer = SignatureV4(
            accessKey: configuration.accessKey, secretKey: configuration.secretKey, region: configuration.region)
        self.now = now
    }

    // MARK: - ObjectStorage

    package func prepare() async throws {
        let head = try await self.send("HEAD", key: nil)
        switch head.status {
        case 200: return
        case 404: break
        default: throw DomainError.storageUnavailable
        }
        // Outside us-east-1 S3 wants the region named in the body; us-east-1 refuses it.
        var body: [UInt8] = []
        if self.configuration.region != "us-east-1" {
            body = Array(
                ("<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                    + "<LocationConstraint>\(self.configuration.region)</LocationConstraint>"
                    + "</CreateBucketConfiguration>")
                    .utf8)
        }
        let created = try await self.send("PUT", key: nil, contentType: "application/xml", body: .bytes(body))
        // 409 BucketAlreadyOwnedByYou: another instance created it between our HEAD and PUT.
        guard created.status == 200 || created.status == 409 else { throw DomainError.storageUnavailable }
    }

    package func put(key: String, contentType: String, body: ObjectBody) async throws {
        let requestBody: HTTPClientRequest.Body
        switch body {
        case .bytes(let bytes): requestBody = .bytes(bytes)
        case .file(let path, let offset, let length): requestBody = .file(path: path, offset: offset, length: length)
        }
        let response = try await self.send("PUT", key: key, contentType: contentType, body: requestBody)
        guard response.status == 200 else { throw DomainError.storageUnavailable }
    }

    package func get(key: String) async throws -> [UInt8] {
        let response = try await self.send("GET", key: key, maximumBodyBytes: 1 << 30)
        switch response.status {
        case 200: return response.body
        case 404: throw DomainError.notFound("File")
        default: throw DomainError.storageUnavailable
        }
    }

    package func head(key: String) async throws -> ObjectInfo? {
        let response = try await self.send("HEAD", key: key)
        switch response.status {
        case 200:
            guard let length = response.headers["Content-Length"].flatMap(Int64.init) else {
                throw DomainError.storageUnavailable
            }
            return ObjectInfo(size: length, contentType: response.headers["Content-Type"])
        case 404: return nil
        default: throw DomainError.storageUnavailable
        }
    }

    package func delete(key: String) async throws {
        let response = try await self.send("DELETE", key: key)
        // S3 answers 204 for a missing key too; some compatible servers say 404, which means the same here.
        guard response.status == 204 || response.status == 200 || response.status == 404 else {
            throw DomainError.storageUnavailable
        }
    }

    package func downloadURL(key: String, expiresIn: TimeInterval, at now: Date) throws -> String {
        self.signer.presign(method: "GET", url: self.url(key: key), expires: Int(expiresIn), date: now)
    }

    // MARK: - Requests

    /// The path-style URL of the bucket (key nil) or of an object, each key segment encoded once.
    package func url(key: String?) -> HTTPURL {
        var prefix = self.configuration.endpoint.target
        while prefix.hasSuffix("/") { prefix.removeLast() }
        var target = prefix + "/" + SignatureV4.uriEncode(self.configuration.bucket, keepSlash: false)
        if let key { target += "/" + SignatureV4.uriEncode(key, keepSlash: true) }
        var url = self.configuration.endpoint
        url.target = target
        return url
    }

    private func send(
        _ method: String, key: String?, contentType: String? = nil, body: HTTPClientRequest.Body = .none,
        maximumBodyBytes: Int = 1 << 20
    ) async throws -> HTTPClientResponse {
        let url = self.url(key: key)
        let payloadHash = try await Self.payloadHash(of: body)
        var headers = HTTPHeaders()
        headers.add("Host", url.hostHeader)
        if let contentType { headers.add("Content-Type", contentType) }
        let signed = self.signer.sign(
            method: method, url: url, headers: headers, payloadHash: payloadHash, date: self.now())
        do {
            let response = try await self.client.execute(
                HTTPClientRequest(method: method, url: url, headers: signed, body: body),
                maximumBodyBytes: maximumBodyBytes)
            if response.status >= 500 { throw DomainError.storageUnavailable }
            return response
        } catch is HTTPClientError {
            // Unreachable, timed out, reset or TLS-refused: callers answer 503 whatever the cause.
            throw DomainError.storageUnavailable
        }
    }

    /// The hex SHA-256 of the body; a file is hashed on a thread of its own, in chunks.
    private static func payloadHash(of body: HTTPClientRequest.Body) async throws -> String {
        switch body {
        case .none: return SignatureV4.emptyPayloadHash
        case .bytes(let bytes): return Digest.hex(Digest.sha256(bytes))
        case .file(let path, let offset, let length):
            return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<String, any Error>) in
                let thread = Thread {
                    continuation.resume(
                        with: Result { Digest.hex(try Digest.sha256(ofFile: path, offset: offset, length: length)) })
                }
                thread.name = "s3-hash"
                thread.start()
            }
        }
    }
}
