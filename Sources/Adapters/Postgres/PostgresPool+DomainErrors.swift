internal import Domain

extension PostgresPool {
    /// `withConnection` for the stores: database failures become the `DomainError`s the use cases understand.
    func read<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        do {
            return try await self.withConnection(body)
        } catch {
            throw Self.domainError(for: error)
        }
    }

    /// `transaction` for the stores, with the same error mapping as `read`.
    func write<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        do {
            return try await self.transaction(body)
        } catch {
            throw Self.domainError(for: error)
        }
    }

    /// Unreachable, saturated or too slow (a statement timed out): `unavailable` (503). Values PostgreSQL cannot
    /// hold: `validationFailed`. Other server errors stay `PostgresError` (a bug: 500, with a redacted description).
    static func domainError(for error: any Error) -> any Error {
        guard let error = error as? PostgresError else { return error }
        switch error.code {
        case .connectionFailed, .connectionLost, .poolTimeout, .poolClosed:
            return DomainError.unavailable
        case .nulInParameter:
            return DomainError.validationFailed(field: "content", reason: "must not contain NUL characters")
        case .server:
            switch error.sqlState {
            case "22P05", "22021", "54000":
                // Untranslatable character (\u0000 in jsonb), invalid encoding, value too large for an index.
                return DomainError.validationFailed(field: "content", reason: "cannot be stored")
            case "57014":
                // Cancelled by DB_STATEMENT_TIMEOUT (a lock held elsewhere, a database that crawls): try later.
                return DomainError.unavailable
            default:
                return error.breaksConnection ? DomainError.unavailable : error
            }
        case .decoding, .configuration:
            return error
        }
    }
}
