import LDAP
import Testing

struct DistinguishedNameTests {
    @Test(arguments: [
        ("CN=Incident Admins, OU=Groups,DC=Example,DC=com", "cn=incident admins,ou=groups,dc=example,dc=com"),
        ("cn=incident admins , ou=groups , dc=example , dc=com", "cn=incident admins,ou=groups,dc=example,dc=com"),
        ("uid=back\\5Cslash,dc=example", "uid=back\\5cslash,dc=example"),
    ])
    func sameEntry(_ lhs: String, _ rhs: String) {
        #expect(DistinguishedName.equal(lhs, rhs))
    }

    @Test(arguments: [
        ("cn=admins,ou=groups,dc=example,dc=com", "cn=admins2,ou=groups,dc=example,dc=com"),
        ("cn=admins,ou=groups,dc=example,dc=com", "cn=admins,ou=groups,dc=example,dc=org"),
        ("cn=admins,dc=example,dc=com", "cn=admins,ou=groups,dc=example,dc=com"),
    ])
    func differentEntries(_ lhs: String, _ rhs: String) {
        #expect(!DistinguishedName.equal(lhs, rhs))
    }

    @Test(arguments: ["not a dn", "cn", "=x", "cn=a,,dc=b"])
    func refusesWhatIsNotADN(_ text: String) {
        #expect(DistinguishedName.normalized(text) == nil)
    }
}
