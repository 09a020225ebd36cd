package import Domain
import Foundation

/// Signs a person in with their directory account and issues a token.
package struct Login: Sendable {
    package struct Result: Hashable, Sendable {
        package var token: IssuedToken
        package var user: User
    }

    let deps: Dependencies
    let throttle: LoginThrottle

    package init(_ deps: Dependencies, throttle: LoginThrottle) {
        self.deps = deps
        self.throttle = throttle
    }

    /// Throws `invalidCredentials` (same for unknown user, wrong or empty password), `rateLimited` while locked
    /// out, `directoryUnavailable` when the directory cannot be reached.
    package func callAsFunction(username: String, password: String, clientAddress: String) async throws -> Result {
        let now = self.deps.clock.now()
        let username = username.trimmingCharacters(in: .whitespaces)
        // Counted before anything else, in one step with the check: concurrent attempts cannot all pass the check
        // before the first failure is recorded.
        let attempt: LoginThrottle.Attempt
        switch self.throttle.begin(username: username, address: clientAddress, at: now) {
        case .success(let counted): attempt = counted
        case .failure(let locked): throw DomainError.rateLimited(retryAfterSeconds: locked.seconds)
        }
        guard !username.isEmpty, !password.isEmpty, username.utf8.count <= 256, password.utf8.count <= 1024 else {
            throw DomainError.invalidCredentials
        }
        let entry: DirectoryEntry
        do {
            entry = try await self.deps.directory.authenticate(username: username, password: password)
        } catch DomainError.invalidCredentials {
            throw DomainError.invalidCredentials
        } catch {
            // An outage is not the user's failure.
            self.throttle.refund(attempt)
            throw error
        }
        self.throttle.succeeded(attempt)
        let id = UserID(entry.email.isEmpty ? username : entry.email)
        let displayName = entry.displayName.isEmpty ? id.rawValue : entry.displayName
        let user = try await self.deps.users.upsert(
            User(id: id, displayName: displayName, email: id.rawValue, isAdmin: entry.isAdmin, lastLoginAt: now))
        let token = try self.deps.tokens.issue(for: user, at: now)
        return Result(token: token, user: user)
    }
}
