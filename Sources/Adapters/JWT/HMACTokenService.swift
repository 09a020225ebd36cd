package import Application
import Crypto
package import Domain
package import Foundation

/// HS256 JSON Web Tokens (RFC 7519, RFC 7515) signed with HMAC-SHA256 from libcrypto.
///
/// Verification trusts nothing before the signature holds: the size is checked first, the header only selects the
/// key (`alg` must be exactly `HS256`, `kid` must be known), the tag is compared in constant time, and only then are
/// the claims read. Tokens are not encrypted: the claims (user id, display name, admin flag) are readable by anyone
/// holding the token.
package struct HMACTokenService: TokenService {
    /// RFC 7519 tokens in headers and query strings stay far below this; anything larger is refused unread.
    package static let maximumTokenLength = 8 * 1024
    /// The longest `JWT_TTL` accepted: a stolen token must not live for months.
    package static let maximumTimeToLive: Duration = .seconds(30 * 86_400)

    /// The keys: the active one signs, all of them verify.
    package let keyring: TokenKeyring
    /// How long an issued token is valid (`JWT_TTL`).
    package let timeToLive: Duration
    /// Tolerated clock difference between the servers that issue and verify (`exp`, `nbf`, `iat`).
    package let leeway: Duration

    /// A service signing with `keyring.active`; throws when `timeToLive` is not positive or over 30 days.
    package init(
        keyring: TokenKeyring,
        timeToLive: Duration = .seconds(8 * 3_600),
        leeway: Duration = .seconds(60)
    ) throws(InvalidSetting) {
        guard timeToLive >= .seconds(1), timeToLive <= Self.maximumTimeToLive else {
            throw InvalidSetting(name: "JWT_TTL", reason: "must be between 1 second and 30 days")
        }
        self.keyring = keyring
        self.timeToLive = timeToLive
        self.leeway = leeway
    }

    /// The service the environment describes: `JWT_SECRET`, `JWT_SECRETS` and `JWT_TTL` (default 8h).
    package init(environment: [String: String]) throws(InvalidSetting) {
        let keyring = try TokenKeyring(secret: environment["JWT_SECRET"], secrets: environment["JWT_SECRETS"])
        var ttl: Duration = .seconds(8 * 3_600)
        if let text = environment["JWT_TTL"], !text.isEmpty {
            ttl = try DurationParser.parse(text, setting: "JWT_TTL")
        }
        try self.init(keyring: keyring, timeToLive: ttl)
    }

    // MARK: - Issuing

    /// A token for `user`, valid from `now` (whole seconds) for `timeToLive`, with a fresh random `jti`.
    package func issue(for user: User, at now: Date) throws -> IssuedToken {
        guard let random = Digest.randomBytes(16) else { throw DomainError.unavailable }
        // NumericDate in whole seconds (RFC 7519 §2): what a verifier reads back is exactly what was signed.
        let issuedAt = Int64(now.timeIntervalSince1970.rounded(.down))
        let expiresAt = issuedAt + self.timeToLive.components.seconds
        let tokenID = Base64URL.encode(random)
        let header: JSONObject = [
            "alg": .string("HS256"), "typ": .string("JWT"), "kid": .string(self.keyring.active.id),
        ]
        let payload: JSONObject = [
            "sub": .string(user.id.rawValue),
            "name": .string(user.displayName),
            "adm": .bool(user.isAdmin),
            "iat": .number(Double(issuedAt)),
            "exp": .number(Double(expiresAt)),
            "jti": .string(tokenID),
        ]
        let signingInput =
            Base64URL.encode(JSONWriter.encode(.object(header))) + "."
            + Base64URL.encode(JSONWriter.encode(.object(payload)))
        let tag = Digest.hmacSHA256(key: self.keyring.active.secret, data: signingInput.utf8)
        let claims = TokenClaims(
            userID: user.id,
            displayName: user.displayName,
            isAdmin: user.isAdmin,
            issuedAt: Date(timeIntervalSince1970: TimeInterval(issuedAt)),
            expiresAt: Date(timeIntervalSince1970: TimeInterval(expiresAt)),
            tokenID: tokenID
        )
        return IssuedToken(token: signingInput + "." + Base64URL.encode(tag), claims: claims)
    }

    // MARK: - Verifying

    /// The claims of a valid token; `DomainError.unauthorized` for any refusal (`claims(of:at:)` says why).
    package func verify(_ token: String, at now: Date) throws -> TokenClaims {
        do {
            return try self.claims(of: token, at: now)
        } catch {
            throw DomainError.unauthorized
        }
    }

    /// `verify` with the reason for a refusal, for logs and tests.
    package func claims(of token: String, at now: Date) throws(TokenVerificationError) -> TokenClaims {
        let payload = try self.verifiedPayload(of: token)
        return try self.claims(from: payload, at: now)
    }

    /// Checks size, shape, header and signature, and returns the payload object; the claims are not looked at.
    package func verifiedPayload(of token: String) throws(TokenVerificationError) -> JSONObject {
        // Counting a native string's UTF-8 is O(1): a huge token is refused before a single byte is copied.
        guard token.utf8.count <= Self.maximumTokenLength else { throw TokenVerificationError(.tooLarge) }
        let bytes = Array(token.utf8)
        let dots = bytes.indices.filter { bytes[$0] == UInt8(ascii: ".") }
        guard dots.count == 2 else { throw TokenVerificationError(.malformed) }
        let headerText = bytes[..<dots[0]]
        let payloadText = bytes[(dots[0] + 1)..<dots[1]]
        let signatureText = bytes[(dots[1] + 1)...]

        guard let headerBytes = Base64URL.decode(headerText), let header = Self.object(headerBytes) else {
            throw TokenVerificationError(.malformed)
        }
        let key = try self.key(for: header)
        guard let signature = Base64URL.decode(signatureText), signature.count == Digest.sha256Length else {
            throw TokenVerificationError(.badSignature)
        }
        // RFC 7515 §5.2: the signing input is the two segments exactly as received, not re-encoded.
        let expected = Digest.hmacSHA256(key: key.secret, data: bytes[..<dots[1]])
        guard Digest.constantTimeEquals(expected, signature) else {
            throw TokenVerificationError(.badSignature)
        }
        guard let payloadBytes = Base64URL.decode(payloadText), let payload = Self.object(payloadBytes) else {
            throw TokenVerificationError(.malformed)
        }
        return payload
    }

    /// Reads the service's claims from a payload whose signature holds, and checks them against `now`.
    package func claims(from payload: JSONObject, at now: Date) throws(TokenVerificationError) -> TokenClaims {
        guard case .string(let subject)? = payload["sub"],
            subject.contains(where: { !$0.isWhitespace }),
            case .string(let name)? = payload["name"],
            case .bool(let isAdmin)? = payload["adm"],
            case .string(let tokenID)? = payload["jti"], !tokenID.isEmpty,
            let issuedAt = Self.numericDate(payload["iat"]),
            let expiresAt = Self.numericDate(payload["exp"]), expiresAt > issuedAt
        else { throw TokenVerificationError(.invalidClaims) }
        let notBefore: Double?
        switch payload["nbf"] {
        case nil:
            notBefore = nil
        case let value:
            guard let date = Self.numericDate(value) else { throw TokenVerificationError(.invalidClaims) }
            notBefore = date
        }

        let current = now.timeIntervalSince1970
        let leeway = Double(self.leeway.components.seconds)
        // RFC 7519 §4.1.4: the token is valid only before `exp`.
        guard current < expiresAt + leeway else { throw TokenVerificationError(.expired) }
        if let notBefore {
            guard current >= notBefore - leeway else { throw TokenVerificationError(.notYetValid) }
        }
        // A token "issued" in the future was made by a wrong clock or a forger holding a key: neither is trusted.
        guard issuedAt <= current + leeway else { throw TokenVerificationError(.issuedInFuture) }

        return TokenClaims(
            userID: UserID(subject),
            displayName: name,
            isAdmin: isAdmin,
            issuedAt: Date(timeIntervalSince1970: issuedAt),
            expiresAt: Date(timeIntervalSince1970: expiresAt),
            tokenID: tokenID
        )
    }

    // MARK: - Helpers

    private func key(for header: JSONObject) throws(TokenVerificationError) -> TokenKeyring.Key {
        // RFC 8725 §3.1: the algorithm is fixed by the verifier; the header may only confirm it.
        guard case .string("HS256")? = header["alg"] else { throw TokenVerificationError(.unsupportedAlgorithm) }
        // RFC 7515 §4.1.11: an extension we do not implement, listed as critical, makes the token invalid.
        guard header["crit"] == nil else { throw TokenVerificationError(.unsupportedHeader) }
        switch header["typ"] {
        case nil:
            break
        case .string(let type)? where type.uppercased() == "JWT":
            break
        case _?:
            throw TokenVerificationError(.unsupportedHeader)
        }
        switch header["kid"] {
        case nil:
            // Tokens without a key id predate rotation: only the active key may have signed them.
            return self.keyring.active
        case .string(let id)?:
            guard let key = self.keyring.key(id: id) else { throw TokenVerificationError(.unknownKey) }
            return key
        case _?:
            throw TokenVerificationError(.unknownKey)
        }
    }

    /// Parses a JSON object strictly (duplicate keys refused, so no two readers can see different claims).
    private static func object(_ bytes: [UInt8]) -> JSONObject? {
        guard let value = try? JSONParser(maximumDepth: 8).parse(bytes), case .object(let object) = value else {
            return nil
        }
        return object
    }

    /// A NumericDate: a finite, non-negative number of seconds, below 2^53 so it is exact.
    private static func numericDate(_ value: JSONValue?) -> Double? {
        guard case .number(let seconds)? = value, seconds.isFinite, seconds >= 0, seconds < 9_007_199_254_740_992
        else { return nil }
        return seconds
    }
}
