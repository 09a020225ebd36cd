/// The company directory (Active Directory / LDAP): checks a password and describes the person.
package protocol UserDirectory: Sendable {
    /// Throws `DomainError.invalidCredentials` for an unknown user, a wrong or empty password, or an ambiguous
    /// username; `DomainError.directoryUnavailable` when the directory cannot be reached in time.
    func authenticate(username: String, password: String) async throws -> DirectoryEntry
    /// People whose display name, account name or e-mail contains `text`, case-insensitively, at most `limit`
    /// (the directory may answer fewer: entries without an e-mail address are left out, since a user id is one).
    /// Throws `DomainError.directoryUnavailable` when the directory cannot be reached in time.
    func searchPeople(matching text: String, limit: Int) async throws -> [DirectoryPerson]
}

/// A person found by a directory search: enough to show and to add as a member.
package struct DirectoryPerson: Hashable, Sendable {
    package var displayName: String
    /// `mail`, or `userPrincipalName` when there is no mail; the user's id, lower-cased.
    package var email: String
    /// The account name (`sAMAccountName` or `uid`), when the directory has one.
    package var accountName: String?

    package init(displayName: String, email: String, accountName: String?) {
        self.displayName = displayName
        self.email = email
        self.accountName = accountName
    }
}

/// What the directory says about a person.
package struct DirectoryEntry: Hashable, Sendable {
    /// The entry's DN, for logs.
    package var distinguishedName: String
    package var displayName: String
    /// `mail`, or `userPrincipalName` when there is no mail.
    package var email: String
    package var groups: [String]
    /// Member of the configured admin group.
    package var isAdmin: Bool

    package init(distinguishedName: String, displayName: String, email: String, groups: [String], isAdmin: Bool) {
        self.distinguishedName = distinguishedName
        self.displayName = displayName
        self.email = email
        self.groups = groups
        self.isAdmin = isAdmin
    }
}
