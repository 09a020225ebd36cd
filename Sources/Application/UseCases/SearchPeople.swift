package import Domain
import Foundation

/// Finds people for the member picker and @mention completion: the directory's people whose display name, account
/// name or e-mail contains the query, plus the users the service has seen sign in, each once.
///
/// Any signed-in user may search. The query is at least 2 characters (the directory is not listed whole); the
/// directory adapter escapes it as it escapes a login name, so it can add no wildcard or clause. When the directory
/// cannot be reached the search fails with `directoryUnavailable` rather than answering with part of the people.
package struct SearchPeople: Sendable {
    package struct Person: Hashable, Sendable {
        package var userID: UserID
        package var displayName: String
        package var email: String
    }

    package static let limits = 1...50
    package static let maximumQueryCharacters = 100

    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    package func callAsFunction(query: String, limit: Int, by principal: Principal) async throws -> [Person] {
        let query = query.trimmingCharacters(in: .whitespacesAndNewlines)
        guard query.count >= SearchHighlighter.minimumQueryLength, query.count <= Self.maximumQueryCharacters else {
            throw DomainError.invalidParameter(
                name: "q", reason: "must be 2 to \(Self.maximumQueryCharacters) characters")
        }
        guard !query.unicodeScalars.contains(where: ContentRules.isRefused) else {
            throw DomainError.invalidParameter(name: "q", reason: "must not contain control characters")
        }
        guard Self.limits.contains(limit) else {
            throw DomainError.invalidParameter(name: "limit", reason: "must be 1 to 50")
        }
        // Each search may reach the directory: it counts as an action (as typing a name completes it).
        try self.deps.limits.takeAction(for: principal.userID, at: self.deps.clock.now())
        let found = try await self.deps.directory.searchPeople(matching: query, limit: limit)
        let seen = try await self.deps.users.search(query, limit: limit)

        // The directory describes people as they are now; a user seen at sign-in adds only who it does not know.
        var people: [UserID: (person: Person, account: String?)] = [:]
        for entry in found where !entry.email.isEmpty {
            let id = UserID(entry.email)
            guard people[id] == nil else { continue }
            let name = entry.displayName.isEmpty ? id.rawValue : entry.displayName
            people[id] = (Person(userID: id, displayName: name, email: id.rawValue), entry.accountName)
        }
        for user in seen where people[user.id] == nil {
            people[user.id] = (Person(userID: user.id, displayName: user.displayName, email: user.email), nil)
        }
        let needle = query.lowercased()
        func startsWithQuery(_ candidate: (person: Person, account: String?)) -> Bool {
            [candidate.person.displayName, candidate.person.email, candidate.account ?? ""].contains {
                $0.lowercased().hasPrefix(needle)
            }
        }
        // Names that start with what was typed first, then by name: what a completion list shows.
        let ranked = people.values.sorted { a, b in
            let (x, y) = (startsWithQuery(a), startsWithQuery(b))
            if x != y { return x }
            let (p, q) = (a.person.displayName.lowercased(), b.person.displayName.lowercased())
            return p != q ? p < q : a.person.userID < b.person.userID
        }
        return ranked.prefix(limit).map(\.person)
    }
}
