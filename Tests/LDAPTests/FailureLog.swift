import LDAP
import Synchronization

/// Collects what `onFailure` reports.
final class FailureLog: Sendable {
    private let errors = Mutex<[LDAPDirectoryError]>([])

    var handler: @Sendable (LDAPDirectoryError) -> Void {
        { error in self.errors.withLock { $0.append(error) } }
    }

    var recorded: [LDAPDirectoryError] { self.errors.withLock { $0 } }
}
