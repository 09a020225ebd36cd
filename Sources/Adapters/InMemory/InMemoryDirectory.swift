package import Application
import Domain

/// `UserDirectory` over a fixed list of people and passwords: for tests and the quick demo mode, never production.
package struct InMemoryDirectory: UserDirectory {
    package struct Person: Sendable {
        package var username: String
        package var password: String
        package var entry: DirectoryEntry

        package init(username: String, password: String, displayName: String, email: String, isAdmin: Bool = false) {
            self.username = username
            self.password = password
            self.entry = DirectoryEntry(
                distinguishedName: "uid=\(username),ou=people,dc=example,dc=com", displayName: displayName,
                email: email, groups: isAdmin ? ["cn=admins,ou=groups,dc=example,dc=com"] : [], isAdmin: isAdmin)
        }
    }

    /// The demo plant's people (also printed by `scripts/run`).
    package static let demoPeople: [Person] = [
        Person(
            username: "alice", password: "alicepw", displayName: "Alice Anderson", email: "alice@example.com",
            isAdmin: true),
        Person(username: "bob", password: "bobpw", displayName: "Bob Brown", email: "bob@example.com"),
        Person(username: "carol", password: "carolpw", displayName: "Carol Clark", email: "carol@example.com"),
        Person(username: "lin", password: "linpw", displayName: "林小明", email: "lin.xiaoming@example.com"),
    ]

    /// `bench1` ... `benchN` (password `bench`), so the load generator can sign in as many different users.
    package static func benchPeople(count: Int) -> [Person] {
        (1...max(1, count)).map {
            Person(
                username: "bench\($0)", password: "bench", displayName: "Bench \($0)", email: "bench\($0)@example.com")
        }
    }

    let people: [Person]

    package init(people: [Person]) {
        self.people = people
    }

    package func authenticate(username: String, password: String) async throws -> DirectoryEntry {
        let name = username.lowercased()
        let matches = self.people.filter { $0.username.lowercased() == name || $0.entry.email.lowercased() == name }
        guard !password.isEmpty, matches.count == 1, let person = matches.first, person.password == password else {
            throw DomainError.invalidCredentials
        }
        return person.entry
    }

    package func searchPeople(matching text: String, limit: Int) async throws -> [DirectoryPerson] {
        let needle = text.lowercased()
        return self.people.filter { person in
            [person.entry.displayName, person.username, person.entry.email].contains {
                $0.lowercased().contains(needle)
            }
        }
        .prefix(max(0, limit))
        .map { DirectoryPerson(displayName: $0.entry.displayName, email: $0.entry.email, accountName: $0.username) }
    }
}
