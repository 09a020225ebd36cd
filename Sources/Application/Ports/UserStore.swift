package import Domain

/// The people who have signed in, as the directory last described them.
package protocol UserStore: Sendable {
    /// Inserts or replaces the user (called at every login), returning what is stored.
    func upsert(_ user: User) async throws -> User
    func user(id: UserID) async throws -> User?
    /// The known users among `ids`; unknown ids are simply absent.
    func users(ids: [UserID]) async throws -> [UserID: User]
    /// Users whose display name, id or e-mail contains `text`, case-insensitively; by display name, at most `limit`.
    func search(_ text: String, limit: Int) async throws -> [User]
}
