import Domain
import Foundation
import Postgres
import TestSupport
import Testing

/// A fresh, migrated schema of the test database for one test, so tests run in parallel without seeing each other.
struct PostgresTestDatabase {
    let url: String
    let schema: String
    let pool: PostgresPool

    /// Creates the schema, migrates it, and returns a pool whose connections use it.
    static func make(
        poolSize: Int = 4, maxOverflow: Int = 4, poolTimeout: TimeInterval = 10, statementTimeout: TimeInterval = 30,
        migrate: Bool = true, baseURL: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> PostgresTestDatabase {
        let base = try baseURL ?? TestEnvironment.require("TEST_DATABASE_URL", sourceLocation: sourceLocation)
        let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let admin = PostgresPool(configuration: PostgresConfiguration(url: base, poolSize: 1, maxOverflow: 0))
        defer { admin.close() }
        // The schema name is generated here (hex only), never user input.
        try await admin.withConnection { connection in
            try connection.execute(trustedTestScript: "CREATE SCHEMA \(schema)")
        }
        let url = Self.url(base, searchPath: schema)
        let pool = PostgresPool(
            configuration: PostgresConfiguration(
                url: url, poolSize: poolSize, maxOverflow: maxOverflow, poolTimeout: poolTimeout,
                statementTimeout: statementTimeout))
        if migrate { try await PostgresMigrator(pool: pool).migrate() }
        return PostgresTestDatabase(url: url, schema: schema, pool: pool)
    }

    /// Another pool on the same schema: a second server "process".
    func secondPool(poolSize: Int = 4, maxOverflow: Int = 4) -> PostgresPool {
        PostgresPool(configuration: PostgresConfiguration(url: self.url, poolSize: poolSize, maxOverflow: maxOverflow))
    }

    var stores: PostgresStores { PostgresStores(pool: self.pool) }

    static func url(_ base: String, searchPath schema: String) -> String {
        let separator = base.contains("?") ? "&" : "?"
        return base + separator + "options=-c%20search_path%3D\(schema)%2Cpublic"
    }
}

extension PostgresConnection {
    /// Test-only: SQL assembled from generated names.
    func execute(trustedTestScript sql: String) throws {
        _ = try self.query(sql)
    }
}
