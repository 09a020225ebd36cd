internal import CLDAP
internal import Foundation

/// Distinguished names compared as the directory compares them, not as strings.
package enum DistinguishedName {
    /// The LDAPv3 string form without optional spaces, lower-cased; nil when `text` is not a DN.
    ///
    /// `CN=Admins, OU=Groups,DC=Example,DC=com` and `cn=admins,ou=groups,dc=example,dc=com` become the same string.
    /// Lower-casing the whole DN is right for the case-insensitive attributes DNs are built from (cn, ou, dc, uid).
    package static func normalized(_ text: String) -> String? {
        var output: UnsafeMutablePointer<CChar>?
        let status = ldap_dn_normalize(text, UInt32(LDAP_DN_FORMAT_LDAP), &output, UInt32(LDAP_DN_FORMAT_LDAPV3))
        defer { if let output { ldap_memfree(output) } }
        guard status == LDAP_SUCCESS, let output else { return nil }
        return String(cString: output).lowercased()
    }

    /// Whether two DNs name the same entry.
    package static func equal(_ lhs: String, _ rhs: String) -> Bool {
        guard let left = Self.normalized(lhs), let right = Self.normalized(rhs) else {
            return lhs.lowercased() == rhs.lowercased()
        }
        return left == right
    }
}
