import Application
import LDAP
import Testing

struct LDAPConfigurationTests {
    static let base: [String: String] = [
        "LDAP_URL": "ldap://127.0.0.1:389",
        "LDAP_BIND_DN": "cn=svc,dc=example,dc=com",
        "LDAP_BIND_PASSWORD": "service-secret-value",
        "LDAP_BASE_DN": "dc=example,dc=com",
    ]

    @Test func readsTheEnvironmentWithDefaults() throws {
        let configuration = try LDAPConfiguration(environment: Self.base)
        #expect(configuration.url == "ldap://127.0.0.1:389")
        #expect(configuration.startTLS == false)
        #expect(configuration.userFilter == "(|(sAMAccountName={u})(userPrincipalName={u})(mail={u})(uid={u}))")
        #expect(configuration.adminGroup == nil)
        #expect(configuration.timeout == .seconds(5))
        #expect(configuration.isEncrypted == false)
    }

    /// Finding 18 of the hardening issue: with LDAP_REQUIRE_TLS a clear-text directory is refused at start.
    @Test func requiringTLSRefusesAnUnencryptedDirectory() throws {
        var environment = Self.base
        environment["LDAP_REQUIRE_TLS"] = "true"
        #expect(throws: InvalidSetting.self) { try LDAPConfiguration(environment: environment) }
        environment["LDAP_START_TLS"] = "true"
        #expect(try LDAPConfiguration(environment: environment).isEncrypted)
        environment["LDAP_START_TLS"] = nil
        environment["LDAP_URL"] = "ldaps://dc1.corp:636"
        #expect(try LDAPConfiguration(environment: environment).isEncrypted)
        environment["LDAP_REQUIRE_TLS"] = "sometimes"
        #expect(throws: InvalidSetting.self) { try LDAPConfiguration(environment: environment) }
    }

    @Test func readsEverySetting() throws {
        var environment = Self.base
        environment["LDAP_START_TLS"] = "true"
        environment["LDAP_USER_FILTER"] = "(&(objectClass=user)(sAMAccountName={u}))"
        environment["LDAP_ADMIN_GROUP"] = "CN=Incident Admins,OU=Groups,DC=example,DC=com"
        environment["LDAP_TIMEOUT"] = "3"
        let configuration = try LDAPConfiguration(environment: environment)
        #expect(configuration.startTLS)
        #expect(configuration.isEncrypted)
        #expect(configuration.userFilter == "(&(objectClass=user)(sAMAccountName={u}))")
        #expect(configuration.adminGroup == "CN=Incident Admins,OU=Groups,DC=example,DC=com")
        #expect(configuration.timeout == .seconds(3))
        #expect(
            try LDAPConfiguration(environment: [
                "LDAP_URL": "ldaps://dc1.corp:636 ldaps://dc2.corp:636", "LDAP_BASE_DN": "dc=corp",
            ]).isEncrypted
        )
    }

    @Test(
        arguments: [
            ("LDAP_URL", nil, "LDAP_URL"),
            ("LDAP_URL", "http://127.0.0.1", "LDAP_URL"),
            ("LDAP_URL", "ldapi:///var/run/slapd", "LDAP_URL"),
            ("LDAP_URL", "ldap://host:notaport", "LDAP_URL"),
            ("LDAP_BASE_DN", nil, "LDAP_BASE_DN"),
            ("LDAP_BASE_DN", "not a dn", "LDAP_BASE_DN"),
            ("LDAP_BIND_DN", "not a dn", "LDAP_BIND_DN"),
            ("LDAP_BIND_PASSWORD", nil, "LDAP_BIND_PASSWORD"),
            ("LDAP_USER_FILTER", "(uid=alice)", "LDAP_USER_FILTER"),
            ("LDAP_USER_FILTER", "uid={u}", "LDAP_USER_FILTER"),
            ("LDAP_USER_FILTER", "(uid={u})(cn=*)", "LDAP_USER_FILTER"),
            ("LDAP_USER_FILTER", "(uid={u}", "LDAP_USER_FILTER"),
            ("LDAP_ADMIN_GROUP", "admins", "LDAP_ADMIN_GROUP"),
            ("LDAP_START_TLS", "maybe", "LDAP_START_TLS"),
            ("LDAP_CA_FILE", "/nonexistent/ca.pem", "LDAP_CA_FILE"),
            ("LDAP_TIMEOUT", "0", "LDAP_TIMEOUT"),
            ("LDAP_TIMEOUT", "5s", "LDAP_TIMEOUT"),
        ] as [(String, String?, String)]
    )
    func refusesBadSettingsNamingThem(_ name: String, _ value: String?, _ setting: String) {
        var environment = Self.base
        environment[name] = value
        do {
            _ = try LDAPConfiguration(environment: environment)
            Issue.record("accepted \(name)=\(value ?? "nil")")
        } catch {
            #expect(error.name == setting)
            #expect(!error.description.contains("service-secret-value"))
        }
    }

    @Test func startTLSInsideLDAPSIsRefused() {
        var environment = Self.base
        environment["LDAP_URL"] = "ldaps://127.0.0.1:636"
        environment["LDAP_START_TLS"] = "true"
        #expect(
            throws: InvalidSetting(name: "LDAP_START_TLS", reason: "cannot be used with an ldaps:// URL")
        ) {
            try LDAPConfiguration(environment: environment)
        }
    }

    @Test func anonymousSearchNeedsNeitherDNNorPassword() throws {
        let configuration = try LDAPConfiguration(environment: ["LDAP_URL": "ldap://127.0.0.1", "LDAP_BASE_DN": "dc=x"])
        #expect(configuration.bindDN.isEmpty)
        var environment = Self.base
        environment["LDAP_BIND_DN"] = nil
        #expect(throws: InvalidSetting.self) { try LDAPConfiguration(environment: environment) }
    }

    @Test func descriptionNeverShowsThePassword() throws {
        let configuration = try LDAPConfiguration(environment: Self.base)
        #expect(!String(describing: configuration).contains("service-secret-value"))
        #expect(!String(reflecting: configuration).contains("service-secret-value"))
        #expect(String(describing: configuration).contains("<redacted>"))
    }
}
