import Application
import Domain
import Synchronization

/// A directory with a few accounts; it records every call so a test can see whether it was asked at all.
final class FakeUserDirectory: UserDirectory {
    struct Call: Hashable {
        var username: String
        var password: String
    }

    private struct State {
        var accounts: [String: (password: String, entry: DirectoryEntry)] = [:]
        var calls: [Call] = []
        var searches: [(text: String, limit: Int)] = []
        var isReachable = true
        var isHeld = false
        var held: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// Adds an account, found by `username` or by its e-mail address, case-insensitively.
    func add(username: String, password: String, displayName: String, email: String, isAdmin: Bool = false) {
        let entry = DirectoryEntry(
            distinguishedName: "CN=\(displayName),OU=Staff,DC=plant,DC=example", displayName: displayName,
            email: email, groups: isAdmin ? ["admins"] : ["staff"], isAdmin: isAdmin)
        self.state.withLock { state in
            state.accounts[username.lowercased()] = (password, entry)
            state.accounts[email.lowercased()] = (password, entry)
        }
    }

    /// Makes every call fail with `directoryUnavailable`, as a directory that cannot be reached does.
    func setReachable(_ reachable: Bool) {
        self.state.withLock { $0.isReachable = reachable }
    }

    var calls: [Call] { self.state.withLock { $0.calls } }

    /// Makes every `authenticate` wait (after recording its call) until `release()`, as a slow directory does:
    /// a test can have many attempts in flight at once.
    func hold() {
        self.state.withLock { $0.isHeld = true }
    }

    func release() {
        let waiting = self.state.withLock { state in
            state.isHeld = false
            defer { state.held = [] }
            return state.held
        }
        for continuation in waiting { continuation.resume() }
    }

    /// The searches asked, with their limits.
    var searches: [(text: String, limit: Int)] { self.state.withLock { $0.searches } }

    /// Accounts whose display name, account name or e-mail contains `text`, case-insensitively.
    func searchPeople(matching text: String, limit: Int) async throws -> [DirectoryPerson] {
        try self.state.withLock { (state) throws(DomainError) -> [DirectoryPerson] in
            state.searches.append((text, limit))
            guard state.isReachable else { throw .directoryUnavailable }
            let needle = text.lowercased()
            var found: [DirectoryPerson] = []
            for (key, account) in state.accounts.sorted(by: { $0.key < $1.key })
            where !found.contains(where: { $0.email == account.entry.email }) {
                let fields = [key, account.entry.displayName, account.entry.email]
                guard fields.contains(where: { $0.lowercased().contains(needle) }) else { continue }
                found.append(
                    DirectoryPerson(
                        displayName: account.entry.displayName, email: account.entry.email, accountName: nil))
            }
            return Array(found.prefix(limit))
        }
    }

    func authenticate(username: String, password: String) async throws -> DirectoryEntry {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = self.state.withLock { state in
                state.calls.append(Call(username: username, password: password))
                guard state.isHeld else { return true }
                state.held.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
        return try self.state.withLock { (state) throws(DomainError) -> DirectoryEntry in
            guard state.isReachable else { throw .directoryUnavailable }
            guard let account = state.accounts[username.lowercased()], !password.isEmpty,
                account.password == password
            else {
                throw .invalidCredentials
            }
            return account.entry
        }
    }
}
