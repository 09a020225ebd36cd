package import Foundation
import Crypto
package import HTTPClient
package import HTTPCore

/// AWS Signature Version 4 for S3: signed request headers and presigned URLs.
///
/// S3's variant: the canonical URI is the request path exactly as sent (each key segment percent-encoded once,
/// `/` kept, no dot-segment normalization), and `x-amz-content-sha256` carries the payload hash.
/// https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
package struct SignatureV4: Hashable, Sendable {
    package var accessKey: String
    package var secretKey: String
    package var region: String
    package var service: String

    /// SHA-256 of the empty string: the payload hash of GET, HEAD and DELETE.
    package static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    /// What presigned URLs sign instead of a payload hash (the body is not known when the URL is made).
    package static let unsignedPayload = "UNSIGNED-PAYLOAD"

    package init(accessKey: String, secretKey: String, region: String, service: String = "s3") {
        self.accessKey = accessKey
        self.secretKey = secretKey
        self.region = region
        self.service = service
    }

    // MARK: - Header-based authentication

    /// The request's headers plus `x-amz-date`, `x-amz-content-sha256` and `Authorization`.
    ///
    /// Every header given is signed, and `host` (from the URL when absent), so what is sent is what is signed.
    package func sign(
        method: String, url: HTTPURL, headers: HTTPHeaders, payloadHash: String, date: Date
    ) -> HTTPHeaders {
        let (amzDate, day) = Self.timestamps(date)
        var signed = headers
        signed.replace("x-amz-date", amzDate)
        signed.replace("x-amz-content-sha256", payloadHash)
        var fields: [(String, String)] = signed.map { ($0.name.lowercased(), Self.trimmed($0.value)) }
        if !signed.contains("host") { fields.append(("host", url.hostHeader)) }
        // Repeated fields are one canonical header with comma-separated values, in the order sent.
        var merged: [String: [String]] = [:]
        for (name, value) in fields { merged[name, default: []].append(value) }
        let names = merged.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(merged[$0, default: []].joined(separator: ","))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let (path, query) = Self.split(url.target)
        let canonicalRequest = [
            method.uppercased(), path, Self.canonicalQuery(Self.parseQuery(query)), canonicalHeaders, signedHeaders,
            payloadHash,
        ].joined(separator: "\n")
        let scope = "\(day)/\(self.region)/\(self.service)/aws4_request"
        let signature = self.signature(canonicalRequest: canonicalRequest, amzDate: amzDate, day: day, scope: scope)
        signed.replace(
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=\(self.accessKey)/\(scope), SignedHeaders=\(signedHeaders), "
                + "Signature=\(signature)"
        )
        return signed
    }

    // MARK: - Query-string authentication

    /// A URL that performs `method` on `url` without credentials until `expires` seconds after `date`.
    ///
    /// Only `host` is signed, with `UNSIGNED-PAYLOAD`, as AWS SDKs do for presigned GETs.
    package func presign(method: String, url: HTTPURL, expires: Int, date: Date) -> String {
        let (amzDate, day) = Self.timestamps(date)
        let scope = "\(day)/\(self.region)/\(self.service)/aws4_request"
        let (path, query) = Self.split(url.target)
        var parameters = Self.parseQuery(query)
        parameters += [
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
            ("X-Amz-Credential", "\(self.accessKey)/\(scope)"),
            ("X-Amz-Date", amzDate),
            ("X-Amz-Expires", String(expires)),
            ("X-Amz-SignedHeaders", "host"),
        ]
        let canonicalQuery = Self.canonicalQuery(parameters)
        let canonicalRequest = [
            method.uppercased(), path, canonicalQuery, "host:\(url.hostHeader)\n", "host", Self.unsignedPayload,
        ].joined(separator: "\n")
        let signature = self.signature(canonicalRequest: canonicalRequest, amzDate: amzDate, day: day, scope: scope)
        return "\(url.origin)\(path)?\(canonicalQuery)&X-Amz-Signature=\(signature)"
    }

    // MARK: - Signing

    /// The string to sign, and its HMAC under the key derived for this day, region and service.
    package func signature(canonicalRequest: String, amzDate: String, day: String, scope: String) -> String {
        let stringToSign = [
            "AWS4-HMAC-SHA256", amzDate, scope, Digest.hex(Digest.sha256(Array(canonicalRequest.utf8))),
        ].joined(separator: "\n")
        return Digest.hex(Digest.hmacSHA256(key: self.signingKey(day: day), data: Array(stringToSign.utf8)))
    }

    /// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), service), "aws4_request").
    package func signingKey(day: String) -> [UInt8] {
        var key = Digest.hmacSHA256(key: Array("AWS4\(self.secretKey)".utf8), data: Array(day.utf8))
        key = Digest.hmacSHA256(key: key, data: Array(self.region.utf8))
        key = Digest.hmacSHA256(key: key, data: Array(self.service.utf8))
        return Digest.hmacSHA256(key: key, data: Array("aws4_request".utf8))
    }

    // MARK: - Encoding

    /// S3's URI encoding: unreserved characters (`A-Z a-z 0-9 - . _ ~`) kept, every other byte of the UTF-8 as
    /// `%XX` in upper case (so space is `%20` and `+` is `%2B`); `/` kept only when `keepSlash`.
    package static func uriEncode(_ text: String, keepSlash: Bool) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if Self.isUnreserved(byte) || (keepSlash && byte == UInt8(ascii: "/")) {
                out.append(byte)
            } else {
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x41...0x5A, 0x61...0x7A, 0x30...0x39: true  // A-Z a-z 0-9
        case 0x2D, 0x2E, 0x5F, 0x7E: true  // - . _ ~
        default: false
        }
    }

    /// Parameters sorted by encoded name, then value, each side encoded strictly (`/` too), joined by `&`.
    static func canonicalQuery(_ parameters: [(String, String)]) -> String {
        var encoded: [(name: String, value: String)] = []
        for (name, value) in parameters {
            encoded.append((Self.uriEncode(name, keepSlash: false), Self.uriEncode(value, keepSlash: false)))
        }
        encoded.sort { a, b in a.name == b.name ? a.value < b.value : a.name < b.name }
        return encoded.map { pair in pair.name + "=" + pair.value }.joined(separator: "&")
    }

    /// The decoded name-value pairs of a query string (a name alone has an empty value).
    static func parseQuery(_ query: Substring) -> [(String, String)] {
        query.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (Self.percentDecode(parts[0]), parts.count > 1 ? Self.percentDecode(parts[1]) : "")
        }
    }

    private static func percentDecode(_ text: Substring) -> String {
        text.removingPercentEncoding ?? String(text)
    }

    private static func split(_ target: String) -> (path: String, query: Substring) {
        guard let mark = target.firstIndex(of: "?") else { return (target, "") }
        return (String(target[..<mark]), target[target.index(after: mark)...])
    }

    /// Leading and trailing spaces removed and inner runs of spaces collapsed, as the canonical form asks.
    private static func trimmed(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }

    /// `20130524T000000Z` and `20130524`, in UTC.
    package static func timestamps(_ date: Date) -> (amzDate: String, day: String) {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let day = "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))"
        return ("\(day)T\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))Z", day)
    }
}
