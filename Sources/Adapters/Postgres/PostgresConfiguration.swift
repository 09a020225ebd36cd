package import Application
package import Foundation

/// Where the database is and how the pool behaves: `DATABASE_URL` and the `DB_*` settings of API.md.
package struct PostgresConfiguration: Sendable, Hashable {
    /// A libpq connection URI, `postgres://user:password@host:port/database?options`.
    package var url: String
    /// Connections kept open when idle (`DB_POOL_SIZE`, 20).
    package var poolSize: Int
    /// Extra connections opened under load and closed when given back (`DB_MAX_OVERFLOW`, 30).
    package var maxOverflow: Int
    /// How long a caller waits for a free connection before `unavailable` (`DB_POOL_TIMEOUT`, 10 s).
    package var poolTimeout: TimeInterval
    /// Connections older than this are closed and replaced at their next use (`DB_POOL_RECYCLE`, 1800 s).
    package var recycle: TimeInterval
    /// A statement running longer is cancelled by PostgreSQL and its request answered 503 (`DB_STATEMENT_TIMEOUT`,
    /// 30 s; 0 leaves the server's own setting). Migrations are not bound by it.
    package var statementTimeout: TimeInterval

    package init(
        url: String, poolSize: Int = 20, maxOverflow: Int = 30, poolTimeout: TimeInterval = 10,
        recycle: TimeInterval = 1800, statementTimeout: TimeInterval = 30
    ) {
        self.url = url
        self.poolSize = poolSize
        self.maxOverflow = maxOverflow
        self.poolTimeout = poolTimeout
        self.recycle = recycle
        self.statementTimeout = statementTimeout
    }

    /// `statementTimeout` in PostgreSQL's unit (milliseconds; 0 is none).
    package var statementTimeoutMilliseconds: Int { Int((self.statementTimeout * 1000).rounded()) }

    /// The most connections open at once.
    package var maximumConnections: Int { self.poolSize + self.maxOverflow }

    /// Reads `DATABASE_URL` and the `DB_*` settings; the error names the first missing or invalid one.
    package init(environment: [String: String]) throws(InvalidSetting) {
        guard let url = environment["DATABASE_URL"], !url.isEmpty else {
            throw InvalidSetting(name: "DATABASE_URL", reason: "is required (postgres://user:password@host:port/db)")
        }
        guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
            throw InvalidSetting(name: "DATABASE_URL", reason: "must start with postgres:// or postgresql://")
        }
        func integer(_ name: String, _ fallback: Int, minimum: Int) throws(InvalidSetting) -> Int {
            guard let text = environment[name], !text.isEmpty else { return fallback }
            guard let value = Int(text), value >= minimum else {
                throw InvalidSetting(name: name, reason: "must be a whole number of at least \(minimum)")
            }
            return value
        }
        func seconds(_ name: String, _ fallback: TimeInterval, zeroAllowed: Bool = false) throws(InvalidSetting)
            -> TimeInterval
        {
            guard let text = environment[name], !text.isEmpty else { return fallback }
            guard let value = TimeInterval(text), value > 0 || (zeroAllowed && value == 0), value < 1e9 else {
                throw InvalidSetting(
                    name: name,
                    reason: zeroAllowed
                        ? "must be 0 or a positive number of seconds"
                        : "must be a positive number of seconds")
            }
            return value
        }
        self.init(
            url: url, poolSize: try integer("DB_POOL_SIZE", 20, minimum: 1),
            maxOverflow: try integer("DB_MAX_OVERFLOW", 30, minimum: 0),
            poolTimeout: try seconds("DB_POOL_TIMEOUT", 10), recycle: try seconds("DB_POOL_RECYCLE", 1800),
            statementTimeout: try seconds("DB_STATEMENT_TIMEOUT", 30, zeroAllowed: true))
    }
}
