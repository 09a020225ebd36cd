import Application
import Domain
import Foundation
import Postgres
import TestSupport
import Testing

@Suite(TestEnvironment.requires("TEST_DATABASE_URL"))
struct PostgresConnectionTests {
    @Test func decodesEveryTypeItBinds() async throws {
        let database = try await PostgresTestDatabase.make(migrate: false)
        let date = Date(timeIntervalSince1970: 1_795_000_000.123456)
        let uuid = UUID()
        let values = try await database.pool.withConnection { connection in
            let row = try #require(
                try connection.query(
                    "SELECT $1::text, $2::int8, $3::float8, $4::bool, $5::uuid, $6::timestamptz, $7::text[], $8::json, $9::jsonb, NULL::text",
                    [
                        .text("héllo 世界 🎉"), .int(-42), .double(3.25), .bool(true), .uuid(uuid), .date(date),
                        .textArray(["a", "b\"c", "{d}", "e\\f", "", "NULL"]),
                        .json(.object(["z": .number(1), "a": .number(2)])),
                        .jsonb(.object(["k": .string("v")])),
                    ]
                ).first)
            return (
                try row.decode(String.self, at: 0), try row.decode(Int64.self, at: 1),
                try row.decode(Double.self, at: 2), try row.decode(Bool.self, at: 3),
                try row.decode(UUID.self, at: 4), try row.decode(Date.self, at: 5),
                try row.decode([String].self, at: 6), try row.decode(JSONValue.self, at: 7),
                try row.decode(JSONValue.self, at: 8), try row.decode(String?.self, at: 9)
            )
        }
        #expect(values.0 == "héllo 世界 🎉")
        #expect(values.1 == -42)
        #expect(values.2 == 3.25)
        #expect(values.3)
        #expect(values.4 == uuid)
        #expect(abs(values.5.timeIntervalSince(date)) < 0.000_001)
        #expect(values.6 == ["a", "b\"c", "{d}", "e\\f", "", "NULL"])
        #expect(values.7 == JSONValue.object(["z": .number(1), "a": .number(2)]), "json keeps key order")
        #expect(values.8 == JSONValue.object(["k": .string("v")]))
        #expect(values.9 == nil)
        database.pool.close()
    }

    @Test(arguments: [
        "it's", "'; DROP TABLE messages; --", "\"quoted\"", "back\\slash", "%_*?", "😀👩‍👩‍👧", "林小明 报告", "\u{FEFF}bom",
    ])
    func hostileStringsRoundTripAsParameters(_ text: String) async throws {
        let database = try await PostgresTestDatabase.make(migrate: false)
        let echoed = try await database.pool.withConnection { connection in
            try connection.query("SELECT $1::text", [.text(text)]).first?.decode(String.self, at: 0)
        }
        #expect(echoed == text)
        database.pool.close()
    }

    @Test func aPipelineAnswersInOrderAndAFailureSkipsTheRestAndLeavesTheConnectionUsable() async throws {
        let database = try await PostgresTestDatabase.make(migrate: false)
        defer { database.pool.close() }
        try await database.pool.withConnection { connection in
            typealias Statement = PostgresConnection.Statement
            try connection.query("CREATE TABLE pipelined (n int8 PRIMARY KEY)")
            let results = try connection.pipeline([
                Statement("BEGIN"), Statement("INSERT INTO pipelined VALUES ($1), ($2)", [.int(1), .int(2)]),
                Statement("SELECT n FROM pipelined ORDER BY n"), Statement("SELECT $1::text", [.text("三")]),
                Statement("COMMIT"),
            ])
            #expect(results.count == 5)
            #expect(try results[2].rows.map { try $0.decode(Int64.self, at: 0) } == [1, 2])
            #expect(try results[3].first?.decode(String.self, at: 0) == "三")

            // The duplicate key fails the second statement: the third never runs, the error is the first one's.
            #expect(throws: PostgresError.self) {
                try connection.pipeline([
                    Statement("BEGIN"), Statement("INSERT INTO pipelined VALUES ($1)", [.int(1)]),
                    Statement("INSERT INTO pipelined VALUES ($1)", [.int(3)]), Statement("COMMIT"),
                ])
            }
            try connection.execute(script: "ROLLBACK")
            #expect(connection.isUsable)
            #expect(try connection.query("SELECT count(*) FROM pipelined").first?.decode(Int64.self, at: 0) == 2)

            // A NUL is refused before anything is sent.
            let refused = #expect(throws: PostgresError.self) {
                try connection.pipeline([
                    Statement("INSERT INTO pipelined VALUES ($1)", [.int(4)]),
                    Statement("SELECT $1::text", [.text("a\u{0}b")]),
                ])
            }
            #expect(refused?.code == .nulInParameter)
            #expect(connection.isUsable)
            #expect(try connection.query("SELECT count(*) FROM pipelined").first?.decode(Int64.self, at: 0) == 2)
        }
    }

    @Test func pipelinesPrepareEachStatementOncePerConnection() async throws {
        let database = try await PostgresTestDatabase.make(migrate: false)
        defer { database.pool.close() }
        try await database.pool.withConnection { connection in
            typealias Statement = PostgresConnection.Statement
            func preparedStatements() throws -> [String] {
                try connection.query("SELECT statement FROM pg_prepared_statements ORDER BY statement").rows.map {
                    try $0.decode(String.self, at: 0)
                }
            }
            try connection.query("CREATE TABLE prepared (n int8 PRIMARY KEY)")
            let insert = "INSERT INTO prepared VALUES ($1)"
            for n in 1...3 {
                // The same new statement twice in one pipeline is prepared once.
                try connection.pipeline([
                    Statement("BEGIN"), Statement(insert, [.int(Int64(n) * 10)]),
                    Statement(insert, [.int(Int64(n) * 10 + 1)]), Statement("COMMIT"),
                ])
            }
            #expect(try preparedStatements() == [insert])
            #expect(try connection.query("SELECT count(*) FROM prepared").first?.decode(Int64.self, at: 0) == 6)

            // Statements a failure skipped are not remembered as prepared, and prepare fine the next time.
            let select = "SELECT n FROM prepared WHERE n = $1::int8"
            #expect(throws: PostgresError.self) {
                try connection.pipeline([Statement("SELECT broken FROM $1", [.int(1)]), Statement(select, [.int(10)])])
            }
            #expect(connection.isUsable)
            #expect(try preparedStatements() == [insert])
            let found = try connection.pipeline([Statement(select, [.int(10)])])
            #expect(try found[0].first?.decode(Int64.self, at: 0) == 10)
            #expect(try preparedStatements() == [select, insert].sorted())

            // Other parameter types are another statement; `query` and `prepared: false` never prepare.
            try connection.pipeline([Statement(select, [.text("11")])])
            try connection.query("SELECT n FROM prepared WHERE n > $1", [.int(0)])
            try connection.pipeline([Statement("SELECT n FROM prepared WHERE n < $1", [.int(5)], prepared: false)])
            #expect(try preparedStatements() == [select, select, insert].sorted())
        }
    }

    @Test func refusesNULInTextParametersInsteadOfTruncating() async throws {
        let database = try await PostgresTestDatabase.make(migrate: false)
        await #expect {
            try await database.pool.withConnection { connection in
                _ = try connection.query("SELECT $1::text", [.text("before\u{0}after")])
            }
        } throws: { error in
            (error as? PostgresError)?.code == .nulInParameter
        }
        // The connection is still fine afterwards.
        let one = try await database.pool.withConnection {
            try $0.query("SELECT 1::int8").first?.decode(Int.self, at: 0)
        }
        #expect(one == 1)
        database.pool.close()
    }

    @Test func serverErrorsCarrySQLStateButNoValuesOrPassword() async throws {
        let database = try await PostgresTestDatabase.make(migrate: false)
        let secret = "very-secret-value"
        do {
            try await database.pool.withConnection { connection in
                _ = try connection.query("SELECT $1::uuid", [.text(secret)])
            }
            Issue.record("expected an error")
        } catch let error as PostgresError {
            #expect(error.code == .server)
            #expect(error.sqlState == "22P02")
            #expect(!String(describing: error).contains(secret))
            #expect(!String(reflecting: error).contains(secret))
        }
        do {
            _ = try PostgresConnection(url: "postgres://app:wrong-password-xyz@127.0.0.1:1/none?connect_timeout=2")
            Issue.record("expected a connection failure")
        } catch {
            #expect(error.code == .connectionFailed)
            #expect(!String(describing: error).contains("wrong-password-xyz"))
        }
        database.pool.close()
    }

    @Test func configurationReadsTheEnvironmentAndNamesBadSettings() throws {
        let configuration = try PostgresConfiguration(environment: ["DATABASE_URL": "postgres://a:b@h/d"])
        #expect(configuration.poolSize == 20)
        #expect(configuration.maxOverflow == 30)
        #expect(configuration.poolTimeout == 10)
        #expect(configuration.recycle == 1800)
        #expect(configuration.statementTimeoutMilliseconds == 30_000)
        let custom = try PostgresConfiguration(environment: [
            "DATABASE_URL": "postgresql://a:b@h/d", "DB_POOL_SIZE": "5", "DB_MAX_OVERFLOW": "0",
            "DB_POOL_TIMEOUT": "2.5", "DB_POOL_RECYCLE": "60", "DB_STATEMENT_TIMEOUT": "0",
        ])
        #expect(custom.maximumConnections == 5)
        #expect(custom.poolTimeout == 2.5)
        #expect(custom.statementTimeoutMilliseconds == 0)
        for bad in ["-1", "soon", "nan", "inf"] {
            #expect(throws: InvalidSetting.self) {
                try PostgresConfiguration(environment: [
                    "DATABASE_URL": "postgres://a:b@h/d", "DB_STATEMENT_TIMEOUT": bad,
                ])
            }
        }
        #expect(throws: InvalidSetting.self) { try PostgresConfiguration(environment: [:]) }
        do {
            _ = try PostgresConfiguration(environment: ["DATABASE_URL": "postgres://a:b@h/d", "DB_POOL_SIZE": "many"])
            Issue.record("expected an invalid setting")
        } catch {
            #expect(error.name == "DB_POOL_SIZE")
        }
    }
}
