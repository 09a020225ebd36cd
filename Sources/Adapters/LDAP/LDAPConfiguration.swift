package import Application
internal import CLDAP
internal import Foundation

/// How to reach the directory and find a user in it (`LDAP_*` settings).
///
/// Checked when built, so a wrong setting stops the server at start with one line naming it, instead of failing
/// every login later. `description` never shows the service account's password.
package struct LDAPConfiguration: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// Matches the name people type: the Windows logon name, the UPN, the e-mail address or the POSIX uid.
    package static let defaultUserFilter = "(|(sAMAccountName={u})(userPrincipalName={u})(mail={u})(uid={u}))"

    /// `ldap://host[:port]` or `ldaps://host[:port]`; several separated by spaces are tried in turn (libldap).
    package let url: String
    /// Upgrade `ldap://` with StartTLS before any bind, so passwords never cross the network in clear.
    package let startTLS: Bool
    /// The service account that searches for users; empty with `bindPassword` for an anonymous search.
    package let bindDN: String
    /// The service account's password; never printed (`description` redacts it).
    package let bindPassword: String
    /// Where users are searched (the whole subtree).
    package let baseDN: String
    /// An RFC 4515 filter in which `{u}` stands for the escaped username.
    package let userFilter: String
    /// Members of this group (by `memberOf`) are service administrators; nil makes no one an administrator.
    package let adminGroup: String?
    /// A PEM file of the CAs that may sign the directory's certificate; nil uses the system's store.
    package let caCertificateFile: String?
    /// Network (connect) and operation timeout, each.
    package let timeout: Duration

    /// Checks every value, throwing an error that names the setting at fault.
    package init(
        url: String,
        startTLS: Bool = false,
        bindDN: String,
        bindPassword: String,
        baseDN: String,
        userFilter: String = Self.defaultUserFilter,
        adminGroup: String? = nil,
        caCertificateFile: String? = nil,
        timeout: Duration = .seconds(5)
    ) throws(InvalidSetting) {
        self.url = url
        self.startTLS = startTLS
        self.bindDN = bindDN
        self.bindPassword = bindPassword
        self.baseDN = baseDN
        self.userFilter = userFilter
        self.adminGroup = adminGroup.flatMap { $0.isEmpty ? nil : $0 }
        self.caCertificateFile = caCertificateFile.flatMap { $0.isEmpty ? nil : $0 }
        self.timeout = timeout
        try self.validate()
    }

    /// The configuration of `LDAP_URL`, `LDAP_START_TLS`, `LDAP_BIND_DN`, `LDAP_BIND_PASSWORD`, `LDAP_BASE_DN`,
    /// `LDAP_USER_FILTER`, `LDAP_ADMIN_GROUP`, and the optional `LDAP_CA_FILE` and `LDAP_TIMEOUT` (seconds, default 5).
    /// `LDAP_REQUIRE_TLS=true` refuses a configuration that would send passwords in clear (`ldap://` without
    /// StartTLS).
    package init(environment: [String: String]) throws(InvalidSetting) {
        func value(_ name: String) -> String? {
            guard let value = environment[name], !value.isEmpty else { return nil }
            return value
        }
        func flag(_ name: String) throws(InvalidSetting) -> Bool {
            switch value(name)?.lowercased() {
            case nil, "false", "0", "no", "off": return false
            case "true", "1", "yes", "on": return true
            case _?: throw InvalidSetting(name: name, reason: "expected true or false")
            }
        }
        guard let url = value("LDAP_URL") else {
            throw InvalidSetting(name: "LDAP_URL", reason: "is required")
        }
        guard let baseDN = value("LDAP_BASE_DN") else {
            throw InvalidSetting(name: "LDAP_BASE_DN", reason: "is required")
        }
        let startTLS = try flag("LDAP_START_TLS")
        let requireTLS = try flag("LDAP_REQUIRE_TLS")
        var timeout: Duration = .seconds(5)
        if let text = value("LDAP_TIMEOUT") {
            guard let seconds = Int(text), (1...300).contains(seconds) else {
                throw InvalidSetting(name: "LDAP_TIMEOUT", reason: "expected whole seconds from 1 to 300")
            }
            timeout = .seconds(seconds)
        }
        try self.init(
            url: url,
            startTLS: startTLS,
            bindDN: value("LDAP_BIND_DN") ?? "",
            bindPassword: value("LDAP_BIND_PASSWORD") ?? "",
            baseDN: baseDN,
            userFilter: value("LDAP_USER_FILTER") ?? Self.defaultUserFilter,
            adminGroup: value("LDAP_ADMIN_GROUP"),
            caCertificateFile: value("LDAP_CA_FILE"),
            timeout: timeout
        )
        if requireTLS, !self.isEncrypted {
            throw InvalidSetting(
                name: "LDAP_URL",
                reason: "is ldap:// without LDAP_START_TLS while LDAP_REQUIRE_TLS=true: passwords would cross the"
                    + " network in clear")
        }
    }

    /// Whether passwords travel encrypted: every URL is `ldaps://`, or StartTLS is on.
    package var isEncrypted: Bool {
        self.startTLS || self.urls.allSatisfy { $0.lowercased().hasPrefix("ldaps://") }
    }

    /// Every setting but the password, for the start-up log.
    package var description: String {
        "LDAPConfiguration(url: \(self.url), startTLS: \(self.startTLS), bindDN: \(self.bindDN), "
            + "bindPassword: <redacted>, baseDN: \(self.baseDN), userFilter: \(self.userFilter), "
            + "adminGroup: \(self.adminGroup ?? "none"), caCertificateFile: \(self.caCertificateFile ?? "system"), "
            + "timeout: \(self.timeout))"
    }

    /// The same as `description`: the password stays out of debug output too.
    package var debugDescription: String { self.description }

    private var urls: [Substring] { self.url.split(whereSeparator: { $0 == " " || $0 == "\t" }) }

    private func validate() throws(InvalidSetting) {
        guard !self.urls.isEmpty else { throw InvalidSetting(name: "LDAP_URL", reason: "is required") }
        for url in self.urls {
            let lowered = url.lowercased()
            guard lowered.hasPrefix("ldap://") || lowered.hasPrefix("ldaps://"), Self.parsesAsLDAPURL(String(url))
            else {
                throw InvalidSetting(
                    name: "LDAP_URL",
                    reason: "expected ldap://host[:port] or ldaps://host[:port]"
                )
            }
            // StartTLS inside an ldaps:// session is refused by servers; one of the two was meant.
            guard !(self.startTLS && lowered.hasPrefix("ldaps://")) else {
                throw InvalidSetting(name: "LDAP_START_TLS", reason: "cannot be used with an ldaps:// URL")
            }
        }
        guard Self.isDistinguishedName(self.baseDN), !self.baseDN.isEmpty else {
            throw InvalidSetting(name: "LDAP_BASE_DN", reason: "is not a valid DN")
        }
        if self.bindDN.isEmpty {
            guard self.bindPassword.isEmpty else {
                throw InvalidSetting(name: "LDAP_BIND_DN", reason: "is required with LDAP_BIND_PASSWORD")
            }
        } else {
            guard Self.isDistinguishedName(self.bindDN) else {
                throw InvalidSetting(name: "LDAP_BIND_DN", reason: "is not a valid DN")
            }
            // RFC 4513 §5.1.2: a DN with an empty password is an unauthenticated bind that servers let through.
            guard !self.bindPassword.isEmpty else {
                throw InvalidSetting(name: "LDAP_BIND_PASSWORD", reason: "is required with LDAP_BIND_DN")
            }
        }
        guard self.userFilter.contains("{u}"), Self.isParenthesized(self.userFilter) else {
            throw InvalidSetting(
                name: "LDAP_USER_FILTER",
                reason: "expected a parenthesized filter containing {u}"
            )
        }
        if let adminGroup = self.adminGroup, !Self.isDistinguishedName(adminGroup) {
            throw InvalidSetting(name: "LDAP_ADMIN_GROUP", reason: "is not a valid DN")
        }
        if let file = self.caCertificateFile, !FileManager.default.isReadableFile(atPath: file) {
            throw InvalidSetting(name: "LDAP_CA_FILE", reason: "is not a readable file")
        }
        guard self.timeout >= .milliseconds(100), self.timeout <= .seconds(300) else {
            throw InvalidSetting(name: "LDAP_TIMEOUT", reason: "must be between 0.1 and 300 seconds")
        }
    }

    private static func parsesAsLDAPURL(_ url: String) -> Bool {
        var description: UnsafeMutablePointer<LDAPURLDesc>?
        let status = ldap_url_parse(url, &description)
        if let description { ldap_free_urldesc(description) }
        return status == LDAP_URL_SUCCESS
    }

    private static func isDistinguishedName(_ text: String) -> Bool {
        DistinguishedName.normalized(text) != nil
    }

    /// Balanced parentheses around the whole filter; the server checks the rest on the first search.
    private static func isParenthesized(_ filter: String) -> Bool {
        guard filter.hasPrefix("("), filter.hasSuffix(")") else { return false }
        var depth = 0
        var escaped = false
        for (index, character) in filter.enumerated() {
            if escaped {
                escaped = false
                continue
            }
            switch character {
            case "\\": escaped = true
            case "(": depth += 1
            case ")":
                depth -= 1
                // Closing the outer parenthesis before the end would leave a second filter after it.
                if depth == 0 && index != filter.count - 1 { return false }
                if depth < 0 { return false }
            default: break
            }
        }
        return depth == 0
    }
}
