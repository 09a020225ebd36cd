import LDAP
import Testing

struct LDAPFilterTests {
    @Test(arguments: [
        ("alice", "alice"),
        ("*", "\\2a"),
        ("ali*", "ali\\2a"),
        ("alice)(uid=*", "alice\\29\\28uid=\\2a"),
        ("admin)(|(uid=*", "admin\\29\\28|\\28uid=\\2a"),
        ("back\\slash", "back\\5cslash"),
        ("nul\u{0}byte", "nul\\00byte"),
        ("tab\there", "tab\\09here"),
        ("del\u{7F}", "del\\7f"),
        ("林小明", "\\e6\\9e\\97\\e5\\b0\\8f\\e6\\98\\8e"),
        ("josé@example.com", "jos\\c3\\a9@example.com"),
        ("a.b-c_d@e=f", "a.b-c_d@e=f"),
    ])
    func escapesPerRFC4515(_ username: String, _ escaped: String) {
        #expect(LDAPFilter.escape(username) == escaped)
    }

    @Test func everyPlaceholderIsReplaced() {
        let filter = LDAPFilter.userFilter(template: LDAPConfiguration.defaultUserFilter, username: "a*)(")
        #expect(
            filter == "(|(sAMAccountName=a\\2a\\29\\28)(userPrincipalName=a\\2a\\29\\28)(mail=a\\2a\\29\\28)"
                + "(uid=a\\2a\\29\\28))"
        )
    }

    @Test func escapedValuesCannotOpenOrCloseAClause() {
        for username in ["*", ")(", "\\", "(|(uid=*))", "\u{0}"] {
            let escaped = LDAPFilter.escape(username)
            #expect(!escaped.contains("*"))
            #expect(!escaped.contains("("))
            #expect(!escaped.contains(")"))
            #expect(!escaped.utf8.contains(0))
            // Every backslash left starts an escape of two hex digits.
            let bytes = Array(escaped.utf8)
            for index in bytes.indices where bytes[index] == UInt8(ascii: "\\") {
                #expect(index + 2 < bytes.count)
                #expect(bytes[(index + 1)...].prefix(2).allSatisfy { $0.isHexDigit })
            }
        }
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self)
    }
}
