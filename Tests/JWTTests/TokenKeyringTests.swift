import Application
import JWT
import Testing

struct TokenKeyringTests {
    static let secretA = "a-secret-of-thirty-two-bytes-at-least-0001"
    static let secretB = "b-secret-of-thirty-two-bytes-at-least-0002"

    @Test func singleSecretSignsAsDefault() throws {
        let keyring = try TokenKeyring(secret: Self.secretA, secrets: nil)
        #expect(keyring.active.id == "default")
        #expect(keyring.active.secret == Array(Self.secretA.utf8))
        #expect(keyring.keys.count == 1)
    }

    @Test func secretsListFirstIsActiveAllVerify() throws {
        let keyring = try TokenKeyring(secret: nil, secrets: "k2:\(Self.secretB),k1:\(Self.secretA)")
        #expect(keyring.active.id == "k2")
        #expect(keyring.keys.map(\.id) == ["k2", "k1"])
        #expect(keyring.key(id: "k1")?.secret == Array(Self.secretA.utf8))
        #expect(keyring.key(id: "k3") == nil)
    }

    @Test func bothSettingsKeepTheSingleSecretForVerification() throws {
        let keyring = try TokenKeyring(secret: Self.secretA, secrets: "k2:\(Self.secretB)")
        #expect(keyring.active.id == "k2")
        #expect(keyring.keys.map(\.id) == ["k2", "default"])
    }

    @Test func secretMayContainAColon() throws {
        let keyring = try TokenKeyring(secret: nil, secrets: "k1:abc:\(Self.secretA)")
        #expect(keyring.active.secret == Array("abc:\(Self.secretA)".utf8))
    }

    @Test func lengthIsCountedInUTF8Bytes() throws {
        // Eleven CJK characters are 33 bytes of UTF-8: enough, though only 11 characters.
        #expect(throws: Never.self) { try TokenKeyring(secret: String(repeating: "林", count: 11), secrets: nil) }
        #expect(throws: InvalidSetting.self) {
            try TokenKeyring(secret: String(repeating: "林", count: 10), secrets: nil)
        }
        #expect(throws: InvalidSetting.self) {
            try TokenKeyring(secret: String(repeating: "x", count: 31), secrets: nil)
        }
        #expect(throws: Never.self) { try TokenKeyring(secret: String(repeating: "x", count: 32), secrets: nil) }
    }

    @Test(
        arguments: [
            (nil, nil, "JWT_SECRET"),
            ("", "", "JWT_SECRET"),
            ("too-short", nil, "JWT_SECRET"),
            (nil, "k1:too-short", "JWT_SECRETS"),
            (nil, "k1-without-colon", "JWT_SECRETS"),
            (nil, "k1:\(secretA),k1:\(secretB)", "JWT_SECRETS"),
            (nil, "k1:\(secretA), k2:\(secretB)", "JWT_SECRETS"),
            (nil, ":\(secretA)", "JWT_SECRETS"),
            (nil, "k1:\(secretA),", "JWT_SECRETS"),
            (nil, "kid/1:\(secretA)", "JWT_SECRETS"),
            (secretA, "default:\(secretB)", "JWT_SECRETS"),
            ("too-short", "k1:\(secretA)", "JWT_SECRET"),
        ] as [(String?, String?, String)]
    )
    func refusesBadSettingsNamingThem(_ secret: String?, _ secrets: String?, _ setting: String) {
        do {
            _ = try TokenKeyring(secret: secret, secrets: secrets)
            Issue.record("accepted \(String(describing: secret)) / \(String(describing: secrets))")
        } catch {
            #expect(error.name == setting)
            // The error is printed at start: it must never contain a secret.
            #expect(!error.description.contains("too-short"))
            #expect(!error.description.contains(Self.secretA))
            #expect(!error.description.contains(Self.secretB))
        }
    }

    @Test func descriptionsNeverShowSecrets() throws {
        let keyring = try TokenKeyring(secret: Self.secretA, secrets: "k2:\(Self.secretB)")
        for text in [String(describing: keyring), String(reflecting: keyring), "\(keyring.active)"] {
            #expect(!text.contains(Self.secretA))
            #expect(!text.contains(Self.secretB))
        }
    }
}
