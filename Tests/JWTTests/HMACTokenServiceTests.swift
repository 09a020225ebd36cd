import Application
import Crypto
import Domain
import Foundation
import JWT
import Testing

struct HMACTokenServiceTests {
    static let secret = "correct-horse-battery-staple-0123456789"
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let alice = User(id: UserID("alice"), displayName: "林小明", email: "alice@example.com", isAdmin: false)

    static func service(
        _ keys: [(String, String)] = [("k1", secret)],
        ttl: Duration = .seconds(8 * 3_600)
    ) throws
        -> HMACTokenService
    {
        let keyring = try TokenKeyring(keys: keys.map { TokenKeyring.Key(id: $0.0, secret: Array($0.1.utf8)) })
        return try HMACTokenService(keyring: keyring, timeToLive: ttl)
    }

    /// Signs any header and payload text with HS256, as a forger holding (or guessing) a key would.
    static func forge(header: String, payload: String, key: String = secret) -> String {
        let input = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(payload.utf8))
        let tag = Digest.hmacSHA256(key: Array(key.utf8), data: Array(input.utf8))
        return input + "." + Base64URL.encode(tag)
    }

    static func payload(
        sub: String = "alice",
        iat: Int = 1_800_000_000,
        exp: Int = 1_800_003_600,
        extra: String = ""
    ) -> String {
        #"{"sub":"\#(sub)","name":"Alice","adm":false,"iat":\#(iat),"exp":\#(exp),"jti":"abc"\#(extra)}"#
    }

    static let goodHeader = #"{"alg":"HS256","typ":"JWT","kid":"k1"}"#

    func expectRefused(
        _ token: String,
        _ code: TokenVerificationError.Code,
        by service: HMACTokenService? = nil,
        at now: Date = Self.now,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let service = try service ?? Self.service()
        #expect(throws: TokenVerificationError(code), sourceLocation: sourceLocation) {
            try service.claims(of: token, at: now)
        }
        // Whatever the reason, the port says only `unauthorized`.
        #expect(throws: DomainError.unauthorized, sourceLocation: sourceLocation) {
            try service.verify(token, at: now)
        }
    }

    // MARK: - Issuing

    @Test func issuedTokenVerifiesWithItsClaims() throws {
        let service = try Self.service()
        let issued = try service.issue(for: Self.alice, at: Self.now.addingTimeInterval(0.75))
        #expect(issued.claims.userID == UserID("alice"))
        #expect(issued.claims.displayName == "林小明")
        #expect(issued.claims.isAdmin == false)
        #expect(issued.claims.issuedAt == Self.now)
        #expect(issued.claims.expiresAt == Self.now.addingTimeInterval(8 * 3_600))
        #expect(try service.verify(issued.token, at: Self.now) == issued.claims)
        #expect(try service.verify(issued.token, at: Self.now.addingTimeInterval(8 * 3_600 - 1)) == issued.claims)
    }

    @Test func issuedTokenHasTheDocumentedShape() throws {
        let issued = try Self.service().issue(for: Self.alice, at: Self.now)
        let segments = issued.token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        #expect(segments.count == 3)
        let header = String(decoding: try #require(Base64URL.decode(segments[0])), as: UTF8.self)
        #expect(header == #"{"alg":"HS256","typ":"JWT","kid":"k1"}"#)
        let payload = try JSONParser().parse(try #require(Base64URL.decode(segments[1])))
        let object = try #require(payload.objectValue)
        #expect(object.keys == ["sub", "name", "adm", "iat", "exp", "jti"])
        #expect(object["sub"] == .string("alice"))
        #expect(object["name"] == .string("林小明"))
        #expect(object["adm"] == .bool(false))
        #expect(object["iat"] == .number(1_800_000_000))
        #expect(object["exp"] == .number(1_800_028_800))
        let jti = try #require(object["jti"]?.stringValue)
        // 128 random bits are 22 base64url characters.
        #expect(Base64URL.decode(jti)?.count == 16)
        #expect(issued.claims.tokenID == jti)
    }

    @Test func everyTokenHasItsOwnID() throws {
        let service = try Self.service()
        let ids = try (0..<50).map { _ in try service.issue(for: Self.alice, at: Self.now).claims.tokenID }
        #expect(Set(ids).count == 50)
    }

    @Test func adminFlagRoundTrips() throws {
        let service = try Self.service()
        var admin = Self.alice
        admin.isAdmin = true
        #expect(try service.verify(try service.issue(for: admin, at: Self.now).token, at: Self.now).isAdmin)
    }

    @Test func timeToLiveComesFromTheEnvironment() throws {
        let service = try HMACTokenService(environment: ["JWT_SECRET": Self.secret, "JWT_TTL": "30m"])
        #expect(service.timeToLive == .seconds(1_800))
        #expect(service.keyring.active.id == "default")
        #expect(try HMACTokenService(environment: ["JWT_SECRET": Self.secret]).timeToLive == .seconds(28_800))
    }

    @Test(arguments: ["soon", "0", "31d", "-1h"])
    func refusesBadTimeToLive(_ ttl: String) {
        #expect(throws: InvalidSetting.self) {
            try HMACTokenService(environment: ["JWT_SECRET": Self.secret, "JWT_TTL": ttl])
        }
        do {
            _ = try HMACTokenService(environment: ["JWT_SECRET": Self.secret, "JWT_TTL": ttl])
        } catch {
            #expect(error.name == "JWT_TTL")
        }
    }

    @Test func shortSecretStopsTheService() {
        #expect(
            throws: InvalidSetting(
                name: "JWT_SECRET",
                reason: "the secret of key id \"default\" is 31 bytes; at least 32 are required"
            )
        ) {
            try HMACTokenService(environment: ["JWT_SECRET": String(repeating: "s", count: 31)])
        }
    }

    // MARK: - Time

    @Test func expiryHasSixtySecondsOfLeeway() throws {
        let service = try Self.service(ttl: .seconds(3_600))
        let token = try service.issue(for: Self.alice, at: Self.now).token
        let expiry = Self.now.addingTimeInterval(3_600)
        #expect(throws: Never.self) { try service.verify(token, at: expiry.addingTimeInterval(59)) }
        try self.expectRefused(token, .expired, by: service, at: expiry.addingTimeInterval(60))
        try self.expectRefused(token, .expired, by: service, at: expiry.addingTimeInterval(86_400))
    }

    @Test func notBeforeHasSixtySecondsOfLeeway() throws {
        let service = try Self.service()
        let soon = Self.forge(header: Self.goodHeader, payload: Self.payload(extra: #","nbf":1800000030"#))
        #expect(throws: Never.self) { try service.verify(soon, at: Self.now) }
        let later = Self.forge(header: Self.goodHeader, payload: Self.payload(extra: #","nbf":1800000120"#))
        try self.expectRefused(later, .notYetValid)
        #expect(throws: Never.self) { try service.verify(later, at: Self.now.addingTimeInterval(60)) }
    }

    @Test func issuedInTheFutureIsRefused() throws {
        let token = Self.forge(header: Self.goodHeader, payload: Self.payload(iat: 1_800_003_000, exp: 1_800_009_000))
        try self.expectRefused(token, .issuedInFuture)
    }

    // MARK: - Hostile tokens

    @Test func tamperedPayloadIsRefused() throws {
        let service = try Self.service()
        let token = try service.issue(for: Self.alice, at: Self.now).token
        let segments = token.split(separator: ".").map(String.init)
        // Same header and signature, a payload that makes alice an admin.
        let payloadBytes = try #require(Base64URL.decode(segments[1]))
        var object = try #require(try JSONParser().parse(payloadBytes).objectValue)
        object["adm"] = .bool(true)
        let forged = segments[0] + "." + Base64URL.encode(JSONWriter.encode(.object(object))) + "." + segments[2]
        try self.expectRefused(forged, .badSignature, by: service)
    }

    @Test func tamperedHeaderIsRefused() throws {
        let service = try Self.service()
        let segments = try service.issue(for: Self.alice, at: Self.now).token.split(separator: ".").map(String.init)
        let header = Base64URL.encode(Array(#"{"alg":"HS256","typ":"JWT","kid":"k1","x":1}"#.utf8))
        try self.expectRefused(header + "." + segments[1] + "." + segments[2], .badSignature, by: service)
    }

    @Test func everyFlippedSignatureBitIsRefused() throws {
        let service = try Self.service()
        let segments = try service.issue(for: Self.alice, at: Self.now).token.split(separator: ".").map(String.init)
        let tag = try #require(Base64URL.decode(segments[2]))
        for bit in 0..<(tag.count * 8) {
            var flipped = tag
            flipped[bit / 8] ^= 1 << UInt8(bit % 8)
            let token = segments[0] + "." + segments[1] + "." + Base64URL.encode(flipped)
            #expect(throws: TokenVerificationError(.badSignature)) { try service.claims(of: token, at: Self.now) }
        }
        // A truncated or extended tag is refused before any comparison.
        try self.expectRefused(
            segments[0] + "." + segments[1] + "." + Base64URL.encode(tag.prefix(16)),
            .badSignature,
            by: service
        )
        try self.expectRefused(
            segments[0] + "." + segments[1] + "." + Base64URL.encode(tag + [0]),
            .badSignature,
            by: service
        )
        try self.expectRefused(segments[0] + "." + segments[1] + ".", .badSignature, by: service)
    }

    @Test func wrongKeyIsRefused() throws {
        let token = Self.forge(
            header: Self.goodHeader,
            payload: Self.payload(),
            key: "another-secret-that-is-long-enough-000000"
        )
        try self.expectRefused(token, .badSignature)
    }

    @Test(arguments: [
        (#"{"alg":"none","typ":"JWT","kid":"k1"}"#, "alg none"),
        (#"{"alg":"None","kid":"k1"}"#, "alg None"),
        (#"{"alg":"HS512","typ":"JWT","kid":"k1"}"#, "HS512"),
        (#"{"alg":"HS384","kid":"k1"}"#, "HS384"),
        (#"{"alg":"RS256","typ":"JWT","kid":"k1"}"#, "RS256"),
        (#"{"alg":"ES256","kid":"k1"}"#, "ES256"),
        (#"{"alg":"hs256","kid":"k1"}"#, "lower-case"),
        (#"{"alg":"HS256 ","kid":"k1"}"#, "trailing space"),
        (#"{"alg":["HS256"],"kid":"k1"}"#, "array"),
        (#"{"alg":null,"kid":"k1"}"#, "null"),
        (#"{"typ":"JWT","kid":"k1"}"#, "missing"),
    ])
    func refusesEveryOtherAlgorithm(_ header: String, _ label: String) throws {
        // Signed with the right key, so only the algorithm check can refuse it.
        try self.expectRefused(Self.forge(header: header, payload: Self.payload()), .unsupportedAlgorithm)
    }

    @Test func refusesUnsignedTokens() throws {
        let input =
            Base64URL.encode(Array(#"{"alg":"none","typ":"JWT"}"#.utf8)) + "."
            + Base64URL.encode(Array(Self.payload().utf8))
        try self.expectRefused(input + ".", .unsupportedAlgorithm)
        try self.expectRefused(input, .malformed)
    }

    @Test func refusesCriticalExtensionsAndOtherTypes() throws {
        try self.expectRefused(
            Self.forge(header: #"{"alg":"HS256","kid":"k1","crit":["b64"],"b64":false}"#, payload: Self.payload()),
            .unsupportedHeader
        )
        try self.expectRefused(
            Self.forge(header: #"{"alg":"HS256","kid":"k1","typ":"at+jwe"}"#, payload: Self.payload()),
            .unsupportedHeader
        )
        #expect(throws: Never.self) {
            try Self.service().verify(
                Self.forge(header: #"{"alg":"HS256","kid":"k1","typ":"jwt"}"#, payload: Self.payload()),
                at: Self.now
            )
        }
    }

    @Test(arguments: [
        "", ".", "..", "...", "a.b", "a.b.c.d", "!!!.???.***", "eyJ.eyJ.", "a..b", "..sig",
    ])
    func refusesGarbage(_ token: String) throws {
        let service = try Self.service()
        #expect(throws: TokenVerificationError.self) { try service.claims(of: token, at: Self.now) }
        #expect(throws: DomainError.unauthorized) { try service.verify(token, at: Self.now) }
    }

    @Test func refusesAnyNonCanonicalBase64() throws {
        let token = try Self.service().issue(for: Self.alice, at: Self.now).token
        let segments = token.split(separator: ".").map(String.init)
        let variants = [
            segments[0] + "=." + segments[1] + "." + segments[2],
            segments[0] + "." + segments[1] + "==." + segments[2],
            segments[0] + "." + segments[1] + "." + segments[2] + "=",
            " " + token,
            token + "\n",
            segments[0] + ". " + segments[1] + "." + segments[2],
            token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/"),
        ]
        for variant in variants where variant != token {
            #expect(throws: TokenVerificationError.self) { try Self.service().claims(of: variant, at: Self.now) }
        }
        // A 32-byte tag is 43 characters: the last one carries 2 unused bits, which must be zero.
        let tag = Array(segments[2].utf8)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        let last = try #require(alphabet.firstIndex(of: tag[tag.count - 1]))
        let sibling = alphabet[last ^ 1]
        let nonCanonical =
            segments[0] + "." + segments[1] + "." + String(decoding: tag.dropLast() + [sibling], as: UTF8.self)
        try self.expectRefused(nonCanonical, .badSignature)
    }

    @Test func refusesHugeTokensBeforeAnyWork() throws {
        let service = try Self.service()
        let megabyte = String(repeating: "A", count: 1 << 20) + "." + "B" + "." + "C"
        let started = ContinuousClock.now
        try self.expectRefused(megabyte, .tooLarge, by: service)
        #expect(ContinuousClock.now - started < .milliseconds(500))
        // A well-signed token just over 8 KB is refused too; just under, it is read.
        let filler = String(repeating: "x", count: 5_800)
        let under = Self.forge(header: Self.goodHeader, payload: Self.payload(extra: #","pad":"\#(filler)""#))
        #expect(under.utf8.count < 8 * 1024)
        #expect(throws: Never.self) { try service.verify(under, at: Self.now) }
        let big = String(repeating: "x", count: 6_200)
        let over = Self.forge(header: Self.goodHeader, payload: Self.payload(extra: #","pad":"\#(big)""#))
        #expect(over.utf8.count > 8 * 1024)
        try self.expectRefused(over, .tooLarge, by: service)
    }

    @Test(arguments: [
        (#"{"name":"A","adm":false,"iat":1800000000,"exp":1800003600,"jti":"j"}"#, "no sub"),
        (#"{"sub":"","name":"A","adm":false,"iat":1800000000,"exp":1800003600,"jti":"j"}"#, "empty sub"),
        (#"{"sub":"  ","name":"A","adm":false,"iat":1800000000,"exp":1800003600,"jti":"j"}"#, "blank sub"),
        (#"{"sub":7,"name":"A","adm":false,"iat":1800000000,"exp":1800003600,"jti":"j"}"#, "number sub"),
        (#"{"sub":"a","name":"A","adm":"true","iat":1800000000,"exp":1800003600,"jti":"j"}"#, "string adm"),
        (#"{"sub":"a","name":"A","iat":1800000000,"exp":1800003600,"jti":"j"}"#, "no adm"),
        (#"{"sub":"a","name":"A","adm":false,"exp":1800003600,"jti":"j"}"#, "no iat"),
        (#"{"sub":"a","name":"A","adm":false,"iat":1800000000,"jti":"j"}"#, "no exp"),
        (#"{"sub":"a","name":"A","adm":false,"iat":1800000000,"exp":"1800003600","jti":"j"}"#, "string exp"),
        (#"{"sub":"a","name":"A","adm":false,"iat":1800000000,"exp":1800000000,"jti":"j"}"#, "exp = iat"),
        (#"{"sub":"a","name":"A","adm":false,"iat":1800000000,"exp":-1,"jti":"j"}"#, "negative exp"),
        (#"{"sub":"a","name":"A","adm":false,"iat":1800000000,"exp":1e300,"jti":"j"}"#, "huge exp"),
        (#"{"sub":"a","name":"A","adm":false,"iat":1800000000,"exp":1800003600}"#, "no jti"),
        (#"{"sub":"a","name":"A","adm":false,"iat":1800000000,"exp":1800003600,"jti":""}"#, "empty jti"),
        (#"{"sub":"a","adm":false,"iat":1800000000,"exp":1800003600,"jti":"j"}"#, "no name"),
        (#"{"sub":"a","name":"A","adm":false,"iat":1800000000,"exp":1800003600,"jti":"j","nbf":"0"}"#, "string nbf"),
    ])
    func refusesMissingOrMistypedClaims(_ payload: String, _ label: String) throws {
        try self.expectRefused(Self.forge(header: Self.goodHeader, payload: payload), .invalidClaims)
    }

    @Test func refusesDuplicateClaims() throws {
        // Two readers of {"sub":"alice","sub":"admin"} could disagree on who this is: it is not JSON we accept.
        let payload =
            #"{"sub":"alice","sub":"admin","name":"A","adm":false,"iat":1800000000,"exp":1800003600,"jti":"j"}"#
        try self.expectRefused(Self.forge(header: Self.goodHeader, payload: payload), .malformed)
        try self.expectRefused(
            Self.forge(header: #"{"alg":"HS256","alg":"none","kid":"k1"}"#, payload: Self.payload()),
            .malformed
        )
    }

    @Test func refusesJSONThatIsNotAnObject() throws {
        try self.expectRefused(Self.forge(header: Self.goodHeader, payload: "[1,2]"), .malformed)
        try self.expectRefused(Self.forge(header: #"["HS256"]"#, payload: Self.payload()), .malformed)
        try self.expectRefused(Self.forge(header: Self.goodHeader, payload: Self.payload() + "x"), .malformed)
    }

    // MARK: - Key ids and rotation

    @Test func rotationKeepsOldTokensValid() throws {
        let before = try Self.service([("k1", Self.secret)])
        let oldToken = try before.issue(for: Self.alice, at: Self.now).token
        let during = try Self.service([("k2", "the-next-secret-is-also-long-enough-9876"), ("k1", Self.secret)])
        #expect(try during.verify(oldToken, at: Self.now).userID == UserID("alice"))
        let newToken = try during.issue(for: Self.alice, at: Self.now).token
        #expect(try during.verify(newToken, at: Self.now).userID == UserID("alice"))
        // A server not yet rotated does not know k2; a server done rotating no longer knows k1.
        try self.expectRefused(newToken, .unknownKey, by: before)
        let after = try Self.service([("k2", "the-next-secret-is-also-long-enough-9876")])
        try self.expectRefused(oldToken, .unknownKey, by: after)
        #expect(throws: Never.self) { try after.verify(newToken, at: Self.now) }
    }

    @Test func unknownOrMistypedKeyIDIsRefused() throws {
        try self.expectRefused(
            Self.forge(header: #"{"alg":"HS256","kid":"k9"}"#, payload: Self.payload()),
            .unknownKey
        )
        try self.expectRefused(Self.forge(header: #"{"alg":"HS256","kid":1}"#, payload: Self.payload()), .unknownKey)
        try self.expectRefused(Self.forge(header: #"{"alg":"HS256","kid":""}"#, payload: Self.payload()), .unknownKey)
    }

    @Test func withoutKeyIDOnlyTheActiveKeyIsTried() throws {
        let service = try Self.service([("k2", "the-next-secret-is-also-long-enough-9876"), ("k1", Self.secret)])
        let byActive = Self.forge(
            header: #"{"alg":"HS256"}"#,
            payload: Self.payload(),
            key: "the-next-secret-is-also-long-enough-9876"
        )
        #expect(try service.verify(byActive, at: Self.now).userID == UserID("alice"))
        let byOld = Self.forge(header: #"{"alg":"HS256"}"#, payload: Self.payload(), key: Self.secret)
        try self.expectRefused(byOld, .badSignature, by: service)
    }

    // MARK: - RFC 7515 appendix A.1

    static let rfc7515Token =
        "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
        + ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
        + ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    static let rfc7515Key =
        "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"

    static func rfc7515Service() throws -> HMACTokenService {
        let key = try #require(Base64URL.decode(Self.rfc7515Key))
        return try HMACTokenService(keyring: TokenKeyring(keys: [.init(id: "rfc7515", secret: key)]))
    }

    @Test func rfc7515AppendixA1SignatureVerifies() throws {
        let service = try Self.rfc7515Service()
        let payload = try service.verifiedPayload(of: Self.rfc7515Token)
        #expect(payload["iss"] == .string("joe"))
        #expect(payload["exp"] == .number(1_300_819_380))
        #expect(payload["http://example.com/is_root"] == .bool(true))
        // The HMAC of the signing input as received (with its CR LF), not of a re-encoding.
        let input = Self.rfc7515Token.split(separator: ".").prefix(2).joined(separator: ".")
        let key = try #require(Base64URL.decode(Self.rfc7515Key))
        #expect(
            Base64URL.encode(Digest.hmacSHA256(key: key, data: Array(input.utf8)))
                == "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        )
    }

    @Test func rfc7515AppendixA1ClaimsAreNotOurs() throws {
        let service = try Self.rfc7515Service()
        // A valid signature is not enough: the example has no sub, iat or jti and expired in 2011.
        let payload = try service.verifiedPayload(of: Self.rfc7515Token)
        #expect(throws: TokenVerificationError(.invalidClaims)) {
            try service.claims(from: payload, at: Date(timeIntervalSince1970: 1_300_819_000))
        }
        #expect(throws: DomainError.unauthorized) { try service.verify(Self.rfc7515Token, at: Self.now) }
        // With our claims added, the same time rules apply to its exp.
        var ours = payload
        ours["sub"] = .string("joe")
        ours["name"] = .string("Joe")
        ours["adm"] = .bool(true)
        ours["iat"] = .number(1_300_815_780)
        ours["jti"] = .string("a1")
        #expect(throws: Never.self) { try service.claims(from: ours, at: Date(timeIntervalSince1970: 1_300_819_000)) }
        #expect(throws: TokenVerificationError(.expired)) {
            try service.claims(from: ours, at: Date(timeIntervalSince1970: 1_300_819_440))
        }
    }

    @Test func rfc7515AppendixA1TamperedIsRefused() throws {
        let service = try Self.rfc7515Service()
        var token = Array(Self.rfc7515Token.utf8)
        token[token.count - 2] = token[token.count - 2] == UInt8(ascii: "X") ? UInt8(ascii: "Y") : UInt8(ascii: "X")
        #expect(throws: TokenVerificationError(.badSignature)) {
            try service.verifiedPayload(of: String(decoding: token, as: UTF8.self))
        }
    }

    // MARK: - Encoding

    @Test(arguments: ["Ann \"The Hammer\" O'Neil", "line\nbreak\ttab\u{1}", "林小明 🏭", "back\\slash", ""])
    func displayNamesRoundTrip(_ name: String) throws {
        let service = try Self.service()
        let user = User(id: UserID("ann@example.com"), displayName: name, email: "ann@example.com", isAdmin: false)
        let issued = try service.issue(for: user, at: Self.now)
        #expect(try service.verify(issued.token, at: Self.now).displayName == name)
        #expect(try service.verify(issued.token, at: Self.now).userID == UserID("ann@example.com"))
    }
}
