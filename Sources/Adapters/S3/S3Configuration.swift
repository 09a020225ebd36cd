package import Application
package import HTTPClient

/// Where the bucket is and how to sign for it, read from the `S3_*` settings of API.md.
package struct S3Configuration: Hashable, Sendable {
    /// `http[s]://host[:port]`, possibly with a path prefix; objects are addressed path-style below it.
    package var endpoint: HTTPURL
    package var region: String
    package var bucket: String
    package var accessKey: String
    package var secretKey: String
    /// PEM bundle of trusted CAs for an https endpoint with a private CA (`S3_CA_FILE`); nil uses the system store.
    package var caFile: String?
    /// Short, so a dead storage answers 503 quickly instead of hanging uploads.
    package var connectTimeout: Duration
    package var readTimeout: Duration

    package init(
        endpoint: String, region: String = "us-east-1", bucket: String, accessKey: String, secretKey: String,
        caFile: String? = nil, connectTimeout: Duration = .seconds(2), readTimeout: Duration = .seconds(30)
    ) throws(InvalidSetting) {
        guard let url = try? HTTPURL(endpoint), !url.target.contains("?") else {
            throw InvalidSetting(name: "S3_ENDPOINT", reason: "must be an http:// or https:// URL")
        }
        guard Self.isValidRegion(region) else {
            throw InvalidSetting(name: "S3_REGION", reason: "must be a region name such as us-east-1")
        }
        guard Self.isValidBucket(bucket) else {
            throw InvalidSetting(name: "S3_BUCKET", reason: "must be 3-63 lower-case letters, digits, dots or hyphens")
        }
        guard !accessKey.isEmpty else { throw InvalidSetting(name: "S3_ACCESS_KEY", reason: "is empty") }
        guard !secretKey.isEmpty else { throw InvalidSetting(name: "S3_SECRET_KEY", reason: "is empty") }
        self.endpoint = url
        self.region = region
        self.bucket = bucket
        self.accessKey = accessKey
        self.secretKey = secretKey
        self.caFile = caFile
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
    }

    /// Reads `S3_ENDPOINT`, `S3_REGION` (default us-east-1), `S3_BUCKET`, `S3_ACCESS_KEY`, `S3_SECRET_KEY` and the
    /// optional `S3_CA_FILE`; the error names the first missing or invalid one (never its value).
    package init(environment: [String: String]) throws(InvalidSetting) {
        func required(_ name: String) throws(InvalidSetting) -> String {
            guard let value = environment[name], !value.isEmpty else {
                throw InvalidSetting(name: name, reason: "is required")
            }
            return value
        }
        let region = environment["S3_REGION"].flatMap { $0.isEmpty ? nil : $0 } ?? "us-east-1"
        try self.init(
            endpoint: try required("S3_ENDPOINT"), region: region, bucket: try required("S3_BUCKET"),
            accessKey: try required("S3_ACCESS_KEY"), secretKey: try required("S3_SECRET_KEY"),
            caFile: environment["S3_CA_FILE"].flatMap { $0.isEmpty ? nil : $0 })
    }

    private static func isValidRegion(_ region: String) -> Bool {
        !region.isEmpty && region.utf8.count <= 64
            && region.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }
    }

    private static func isValidBucket(_ bucket: String) -> Bool {
        let bytes = Array(bucket.utf8)
        guard (3...63).contains(bytes.count) else { return false }
        let allowed = bytes.allSatisfy {
            (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D || $0 == 0x2E
        }
        let edgesAlphanumeric = [bytes[0], bytes[bytes.count - 1]].allSatisfy {
            (0x61...0x7A).contains($0) || (0x30...0x39).contains($0)
        }
        return allowed && edgesAlphanumeric
    }
}
