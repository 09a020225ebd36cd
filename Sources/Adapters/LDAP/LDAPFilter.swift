internal import Foundation

/// Builds search filters from untrusted names (RFC 4515).
package enum LDAPFilter {
    /// Escapes an assertion value: `*`, `(`, `)`, `\`, NUL, the other control bytes and every byte of a non-ASCII
    /// character become `\XX`, so a username can never add a wildcard or a clause to the filter.
    package static func escape(_ value: String) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var output: [UInt8] = []
        output.reserveCapacity(value.utf8.count)
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "*"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "\\"), 0..<0x20, 0x7F...0xFF:
                output.append(UInt8(ascii: "\\"))
                output.append(hex[Int(byte >> 4)])
                output.append(hex[Int(byte & 0x0F)])
            default:
                output.append(byte)
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The people search: a person whose display name, account name (`sAMAccountName` or `uid`) or e-mail contains
    /// `text`. Substring matches of these attributes ignore case (their SUBSTR rules); `text` is escaped as a login
    /// name is, so its `*` is a character, not a wildcard.
    package static func peopleFilter(containing text: String) -> String {
        let value = "*" + Self.escape(text) + "*"
        return "(&(objectClass=person)(|(displayName=\(value))(sAMAccountName=\(value))(uid=\(value))(mail=\(value))))"
    }

    /// `template` with every `{u}` replaced by the escaped `username`.
    package static func userFilter(template: String, username: String) -> String {
        template.replacingOccurrences(of: "{u}", with: Self.escape(username))
    }
}
