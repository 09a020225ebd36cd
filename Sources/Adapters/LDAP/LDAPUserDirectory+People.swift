package import Application
internal import Domain
internal import Foundation

/// The people search of `GET /api/users` (the member picker and @mention completion).
extension LDAPUserDirectory {
    /// The most entries one search asks the directory for, whatever the caller's limit.
    package static let maximumPeople: Int32 = 100

    /// People whose display name, account name or e-mail contains `text`, as the service account sees them; throws
    /// only `DomainError.directoryUnavailable`.
    package func searchPeople(matching text: String, limit: Int) async throws -> [DirectoryPerson] {
        do {
            return try await self.findPeople(matching: text, limit: limit)
        } catch {
            self.reportFailure(error)
            throw DomainError.directoryUnavailable
        }
    }

    /// `searchPeople` with the reason for a failure.
    ///
    /// One session on the directory's queues, bound as the service account (a search is never anonymous or as a
    /// user), with a size limit of twice `limit` (entries without an e-mail address are left out afterwards) and the
    /// configured timeout. A size limit reached is no error: the first entries are the answer.
    package func findPeople(matching text: String, limit: Int) async throws(LDAPDirectoryError) -> [DirectoryPerson] {
        guard !text.isEmpty, text.utf8.count <= Self.maximumUsernameLength, limit > 0 else {
            throw LDAPDirectoryError(.refusedInput, operation: "input")
        }
        let configuration = self.configuration
        let sizeLimit = min(Self.maximumPeople, Int32(clamping: limit) * 2)
        let result = await withCheckedContinuation { continuation in
            self.nextQueue().async {
                continuation.resume(
                    returning: Result { () throws(LDAPDirectoryError) -> [DirectoryPerson] in
                        try Self.searchPeopleBlocking(
                            text: text, sizeLimit: sizeLimit, configuration: configuration)
                    })
            }
        }
        return Array(try result.get().prefix(limit))
    }

    private static let peopleAttributes = ["displayName", "cn", "mail", "userPrincipalName", "sAMAccountName", "uid"]

    private static func searchPeopleBlocking(
        text: String, sizeLimit: Int32, configuration: LDAPConfiguration
    ) throws(LDAPDirectoryError) -> [DirectoryPerson] {
        let session = try LDAPConnection(configuration: configuration)
        defer { session.close() }
        if !configuration.bindDN.isEmpty {
            try session.bind(
                dn: configuration.bindDN, password: Array(configuration.bindPassword.utf8), operation: "service_bind")
        }
        let entries = try session.search(
            base: configuration.baseDN, filter: LDAPFilter.peopleFilter(containing: text),
            attributes: Self.peopleAttributes, limit: sizeLimit, truncating: true)
        return entries.compactMap { entry in
            // The user id is the e-mail address (the login's rule): without one there is nobody to add.
            guard let email = entry.first("mail") ?? entry.first("userPrincipalName") else { return nil }
            return DirectoryPerson(
                displayName: entry.first("displayName") ?? entry.first("cn") ?? email, email: email.lowercased(),
                accountName: entry.first("sAMAccountName") ?? entry.first("uid"))
        }
    }
}
