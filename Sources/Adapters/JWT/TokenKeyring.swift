package import Application
import Crypto

/// The HMAC secrets the service knows, each with a key id (`kid`); the first signs, every one verifies.
///
/// Rotation without logging everyone out: put the new secret first and keep the old one after it until the longest
/// token signed with it has expired (`JWT_TTL`), then drop it. `description` lists key ids only, never a secret.
package struct TokenKeyring: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// One secret and its id.
    package struct Key: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
        /// The `kid` written into the header of the tokens it signs.
        package var id: String
        /// The HMAC key bytes.
        package var secret: [UInt8]

        /// A key; the keyring checks the id and the length.
        package init(id: String, secret: [UInt8]) {
            self.id = id
            self.secret = secret
        }

        /// The id and the length, never the secret.
        package var description: String { "Key(\(self.id), \(self.secret.count) bytes)" }
        /// The same as `description`.
        package var debugDescription: String { self.description }
    }

    /// The key id given to `JWT_SECRET`, so its tokens keep verifying after `JWT_SECRETS` takes over signing.
    package static let defaultKeyID = "default"
    /// RFC 7518 §3.2: an HS256 key must be at least as long as the hash output.
    package static let minimumSecretLength = 32

    /// The signing key.
    package let active: Key
    /// Every key, the active one first.
    package let keys: [Key]

    /// A keyring of `keys`, the first of them active. Only the rules of the setting are checked here (ids unique
    /// and well formed, secrets long enough), with `setting` named in the error.
    package init(keys: [Key], setting: String = "JWT_SECRETS") throws(InvalidSetting) {
        try Self.validate(keys, setting: setting)
        guard let first = keys.first else {
            throw InvalidSetting(name: setting, reason: "no secret is configured")
        }
        self.active = first
        self.keys = keys
    }

    /// The keyring of the environment: `JWT_SECRETS` (`kid:secret,kid:secret`, the first signs) and `JWT_SECRET`.
    ///
    /// With `JWT_SECRET` alone, it signs under the key id `default`. With both, `JWT_SECRETS` signs and
    /// `JWT_SECRET` still verifies as `default`, which is the first step of a rotation. Each secret is the UTF-8
    /// bytes of its string; a secret may contain `:` but not `,`.
    package init(secret: String?, secrets: String?) throws(InvalidSetting) {
        let single = secret.flatMap { $0.isEmpty ? nil : $0 }
        let list = secrets.flatMap { $0.isEmpty ? nil : $0 }
        guard list != nil || single != nil else {
            throw InvalidSetting(name: "JWT_SECRET", reason: "is required (or JWT_SECRETS)")
        }
        var keys: [Key] = []
        if let list {
            for item in list.split(separator: ",", omittingEmptySubsequences: false) {
                guard let colon = item.firstIndex(of: ":") else {
                    throw InvalidSetting(
                        name: "JWT_SECRETS",
                        reason: "expected kid:secret pairs separated by commas"
                    )
                }
                keys.append(Key(id: String(item[..<colon]), secret: Array(item[item.index(after: colon)...].utf8)))
            }
            try Self.validate(keys, setting: "JWT_SECRETS")
        }
        if let single {
            let key = Key(id: Self.defaultKeyID, secret: Array(single.utf8))
            try Self.validate([key], setting: "JWT_SECRET")
            if let existing = keys.first(where: { $0.id == Self.defaultKeyID }) {
                guard Digest.constantTimeEquals(existing.secret, key.secret) else {
                    throw InvalidSetting(
                        name: "JWT_SECRETS",
                        reason: "key id \"default\" is reserved for JWT_SECRET and has a different secret"
                    )
                }
            } else {
                keys.append(key)
            }
        }
        try self.init(keys: keys)
    }

    /// The key with this id, if the keyring has it.
    package func key(id: String) -> Key? {
        self.keys.first { $0.id == id }
    }

    /// Key ids only.
    package var description: String {
        "TokenKeyring(active: \(self.active.id), keys: \(self.keys.map(\.id)))"
    }

    /// The same as `description`.
    package var debugDescription: String { self.description }

    private static func validate(_ keys: [Key], setting: String) throws(InvalidSetting) {
        var seen: Set<String> = []
        for key in keys {
            guard Self.isValidKeyID(key.id) else {
                throw InvalidSetting(
                    name: setting,
                    reason: "key id \"\(key.id)\" must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' or '-'"
                )
            }
            guard seen.insert(key.id).inserted else {
                throw InvalidSetting(name: setting, reason: "key id \"\(key.id)\" appears twice")
            }
            guard key.secret.count >= Self.minimumSecretLength else {
                throw InvalidSetting(
                    name: setting,
                    reason: "the secret of key id \"\(key.id)\" is \(key.secret.count) bytes; "
                        + "at least \(Self.minimumSecretLength) are required"
                )
            }
        }
    }

    private static func isValidKeyID(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        guard (1...64).contains(bytes.count) else { return false }
        return bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                true
            default:
                false
            }
        }
    }
}
