package import Application
internal import Dispatch
internal import Domain
internal import Foundation
internal import Synchronization

/// Signs people in against Active Directory or any LDAPv3 directory with libldap: search, then bind.
///
/// The service account searches `baseDN` for the one entry matching the escaped username; a fresh session then binds
/// as that entry's DN with the password, so the service account's session never carries a user's identity. The
/// blocking libldap calls run on the directory's own serial queues (never the caller's executor or an event loop),
/// each session on one queue from open to unbind. Every wait is bounded by `configuration.timeout`.
package final class LDAPUserDirectory: UserDirectory {
    /// Names longer than this are refused unsent; AD's longest logon names are 256 characters (UPN).
    package static let maximumUsernameLength = 256
    /// Passwords longer than this are refused unsent; AD allows 256 characters, 1 KB of UTF-8.
    package static let maximumPasswordLength = 1_024

    /// The attributes read from the user's entry. `memberOf` is operational on OpenLDAP: it comes only when named.
    static let attributes = ["displayName", "cn", "mail", "userPrincipalName", "memberOf"]

    /// The settings this directory was built with.
    package let configuration: LDAPConfiguration
    private let queues: [DispatchQueue]
    private let next = Atomic<Int>(0)
    private let onFailure: (@Sendable (LDAPDirectoryError) -> Void)?

    /// A directory that runs at most `concurrency` sign-ins at once; `onFailure` hears why each refused one was
    /// refused, for logs (the password never reaches it).
    package init(
        configuration: LDAPConfiguration,
        concurrency: Int = 4,
        onFailure: (@Sendable (LDAPDirectoryError) -> Void)? = nil
    ) {
        precondition(concurrency > 0, "concurrency must be positive")
        // libldap writes to its sockets with write(2): a directory that closed the connection would raise SIGPIPE,
        // whose default action ends the process. A server wants EPIPE as an error instead, everywhere.
        signal(SIGPIPE, SIG_IGN)
        self.configuration = configuration
        self.queues = (0..<concurrency).map { DispatchQueue(label: "incident-rooms.ldap.\($0)") }
        self.onFailure = onFailure
    }

    /// Signs in; throws only `DomainError.invalidCredentials` or `.directoryUnavailable` (see `signIn` for why).
    package func authenticate(username: String, password: String) async throws -> DirectoryEntry {
        do {
            return try await self.signIn(username: username, password: password)
        } catch {
            self.onFailure?(error)
            throw error.domainError
        }
    }

    /// `authenticate` with the reason for a refusal.
    package func signIn(username: String, password: String) async throws(LDAPDirectoryError) -> DirectoryEntry {
        // An empty password would make the user's bind anonymous, which servers accept (RFC 4513 §5.1.2).
        guard !password.isEmpty, password.utf8.count <= Self.maximumPasswordLength else {
            throw LDAPDirectoryError(.refusedInput, operation: "input")
        }
        guard !username.isEmpty, username.utf8.count <= Self.maximumUsernameLength else {
            throw LDAPDirectoryError(.refusedInput, operation: "input")
        }
        let queue = self.nextQueue()
        let configuration = self.configuration
        let result = await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(
                    returning: Result { () throws(LDAPDirectoryError) -> DirectoryEntry in
                        try Self.signInBlocking(username: username, password: password, configuration: configuration)
                    }
                )
            }
        }
        return try result.get()
    }

    /// The queues take sessions in turn.
    func nextQueue() -> DispatchQueue {
        self.queues[self.next.wrappingAdd(1, ordering: .relaxed).oldValue % self.queues.count]
    }

    /// Tells `onFailure` why a directory call failed (for logs).
    func reportFailure(_ error: LDAPDirectoryError) {
        self.onFailure?(error)
    }

    // MARK: - On the directory's queue

    private static func signInBlocking(
        username: String,
        password: String,
        configuration: LDAPConfiguration
    ) throws(LDAPDirectoryError) -> DirectoryEntry {
        let entry = try Self.findEntry(username: username, configuration: configuration)
        // A fresh session: a bind as the user must never leave a session that later searches as someone else.
        let session = try LDAPConnection(configuration: configuration)
        defer { session.close() }
        try session.bind(dn: entry.distinguishedName, password: Array(password.utf8), operation: "user_bind")
        return Self.directoryEntry(from: entry, username: username, adminGroup: configuration.adminGroup)
    }

    private static func findEntry(
        username: String,
        configuration: LDAPConfiguration
    ) throws(LDAPDirectoryError)
        -> LDAPEntry
    {
        let session = try LDAPConnection(configuration: configuration)
        defer { session.close() }
        if !configuration.bindDN.isEmpty {
            try session.bind(
                dn: configuration.bindDN,
                password: Array(configuration.bindPassword.utf8),
                operation: "service_bind"
            )
        }
        let filter = LDAPFilter.userFilter(template: configuration.userFilter, username: username)
        let entries = try session.search(
            base: configuration.baseDN,
            filter: filter,
            attributes: Self.attributes,
            limit: 2
        )
        guard entries.count < 2 else { throw LDAPDirectoryError(.ambiguousUser, operation: "search") }
        guard let entry = entries.first, !entry.distinguishedName.isEmpty else {
            throw LDAPDirectoryError(.noSuchUser, operation: "search")
        }
        return entry
    }

    private static func directoryEntry(from entry: LDAPEntry, username: String, adminGroup: String?) -> DirectoryEntry {
        let groups = entry.all("memberOf")
        let isAdmin = adminGroup.map { group in groups.contains { DistinguishedName.equal($0, group) } } ?? false
        return DirectoryEntry(
            distinguishedName: entry.distinguishedName,
            displayName: entry.first("displayName") ?? entry.first("cn") ?? username,
            email: entry.first("mail") ?? entry.first("userPrincipalName") ?? "",
            groups: groups,
            isAdmin: isAdmin
        )
    }
}
