internal import CLibPQ
internal import Foundation

/// One libpq connection (`PGconn`), opened from a `postgres://` URL and closed when released.
///
/// Blocking: use it only on the pool's threads, from one thread at a time (the pool lends it to one body at a
/// time, hence `@unchecked Sendable`). Every statement is parameterized; results come back in binary format.
package final class PostgresConnection: @unchecked Sendable {
    private var handle: OpaquePointer?
    /// When the connection was opened, for `DB_POOL_RECYCLE`.
    package let openedAt: ContinuousClock.Instant
    /// Statements that reached the server and came back since the pool last lent the connection; lets the pool tell
    /// a connection found dead at the first statement (safe to retry elsewhere) from one lost midway.
    package internal(set) var statementsSinceLease = 0
    /// Statements `pipeline` prepared on this connection, by SQL text and parameter types: PostgreSQL then parses and
    /// analyzes them once per connection instead of once per run, and after five runs plans them once too when its
    /// generic plan costs no more. Parsing and planning were a sixth of PostgreSQL's CPU on the group commit path.
    /// Only pipeline statements marked `prepared` are: a generic plan is fixed when it is made, so a statement whose
    /// best plan depends on the size of a table that grows (the client-id lookup) must not be.
    private var prepared: [PreparedKey: String] = [:]
    /// Dynamic SQL (varying lists of placeholders) must not grow the server's memory without bound: past this many
    /// statements, new ones are parsed and planned each time as before.
    private static let maximumPrepared = 128
    private var preparedNames = 0

    private struct PreparedKey: Hashable {
        var sql: String
        var types: [UInt32]
    }

    /// What every connection gets unless its URL says otherwise, so that a database that stops answering (a dead
    /// host, a black-holed route) holds a pool thread for a bounded time, not for ever: 5 s to connect, TCP
    /// keepalives after 30 s idle, and 30 s for sent data to be acknowledged before the connection counts as lost.
    static let defaults: [(keyword: String, value: String)] = [
        ("connect_timeout", "5"), ("keepalives", "1"), ("keepalives_idle", "30"), ("keepalives_interval", "10"),
        ("keepalives_count", "3"), ("tcp_user_timeout", "30000"),
    ]

    /// Connects, blocking until the server answers or refuses (at most `connect_timeout`).
    ///
    /// - Throws: `PostgresError` `.connectionFailed`; its description never shows the URL (it may hold a password).
    package init(url: String) throws(PostgresError) {
        guard !url.utf8.contains(0) else { throw PostgresError(.configuration) }
        guard let handle = Self.connect(url) else { throw PostgresError(.connectionFailed) }
        guard PQstatus(handle) == CONNECTION_OK else {
            PQfinish(handle)
            throw PostgresError(.connectionFailed)
        }
        // libpq prints server notices ("extension already exists", ...) to stderr by default; they are not errors,
        // and their text can quote data, so they are dropped.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        self.handle = handle
        self.openedAt = .now
    }

    deinit { self.close() }

    /// `PQconnectdbParams` with `defaults` first and the URL last: libpq keeps the last value of a repeated keyword,
    /// so whatever the URL sets wins.
    private static func connect(_ url: String) -> OpaquePointer? {
        let keywords = (Self.defaults.map(\.keyword) + ["dbname"]).map { strdup($0) }
        let values = (Self.defaults.map(\.value) + [url]).map { strdup($0) }
        defer { (keywords + values).forEach { free($0) } }
        let keywordList = keywords.map { UnsafePointer($0) } + [nil]
        let valueList = values.map { UnsafePointer($0) } + [nil]
        return keywordList.withUnsafeBufferPointer { keywordPointers in
            valueList.withUnsafeBufferPointer { valuePointers in
                PQconnectdbParams(keywordPointers.baseAddress, valuePointers.baseAddress, 1)
            }
        }
    }

    /// Closes the connection; further statements throw `.connectionLost`. Idempotent.
    package func close() {
        if let handle = self.handle { PQfinish(handle) }
        self.handle = nil
    }

    /// Whether libpq still considers the connection usable (a dead peer shows only at the next statement).
    package var isUsable: Bool {
        guard let handle = self.handle else { return false }
        return PQstatus(handle) == CONNECTION_OK && PQtransactionStatus(handle) == PQTRANS_IDLE
            && PQpipelineStatus(handle) == PQ_PIPELINE_OFF
    }

    // MARK: - Statements

    /// Runs one parameterized statement and returns its rows (binary format).
    @discardableResult
    package func query(_ sql: String, _ binds: [PostgresBind] = []) throws(PostgresError) -> PostgresResult {
        guard let handle = self.handle else { throw PostgresError(.connectionLost) }
        try Self.refuseNUL(in: binds)
        let result = Self.withParameters(binds) { count, types, values, lengths, formats in
            PQexecParams(handle, sql, count, types, values, lengths, formats, 1)
        }
        return try self.check(result)
    }

    /// One statement of a `pipeline`.
    package struct Statement: Sendable {
        package var sql: String
        package var binds: [PostgresBind]
        /// Whether it is prepared once per connection (see `prepared`); only statements with parameters are.
        package var prepared: Bool

        package init(_ sql: String, _ binds: [PostgresBind] = [], prepared: Bool = true) {
            self.sql = sql
            self.binds = binds
            self.prepared = prepared
        }
    }

    /// Runs `statements` one after the other on the server, sent together and answered together (libpq pipeline
    /// mode): one round trip instead of one per statement. When one fails, the server skips the rest and its error
    /// is thrown; results come back in order otherwise.
    @discardableResult
    package func pipeline(_ statements: [Statement]) throws(PostgresError) -> [PostgresResult] {
        guard let handle = self.handle else { throw PostgresError(.connectionLost) }
        // Checked before anything is sent: a pipeline cannot be abandoned halfway.
        for statement in statements { try Self.refuseNUL(in: statement.binds) }
        guard PQenterPipelineMode(handle) == 1 else { throw PostgresError(.server) }
        defer { PQexitPipelineMode(handle) }
        // Commands sent, in order; a statement new to this connection is a Parse (prepare) and then its run.
        var commands: [PipelineCommand] = []
        var pending: [PreparedKey: String] = [:]
        sending: for statement in statements {
            let accepted: Int32
            switch statement.prepared ? self.preparation(statement.sql, statement.binds, pending: pending) : nil {
            case let (key, name, isNew)?:
                if isNew {
                    let types = key.types.map { Oid($0) }
                    guard PQsendPrepare(handle, name, statement.sql, Int32(types.count), types) == 1 else {
                        break sending
                    }
                    commands.append(.prepare(key, name))
                    pending[key] = name
                }
                accepted = Self.withParameters(statement.binds) { count, _, values, lengths, formats in
                    PQsendQueryPrepared(handle, name, count, values, lengths, formats, 1)
                }
            case nil:
                accepted = Self.withParameters(statement.binds) { count, types, values, lengths, formats in
                    PQsendQueryParams(handle, statement.sql, count, types, values, lengths, formats, 1)
                }
            }
            guard accepted == 1 else { break sending }
            commands.append(.statement)
        }
        let sent = commands.filter { if case .statement = $0 { true } else { false } }.count
        // A sync even after a failed send, so the server ends the pipeline and the connection stays in step.
        let synced = PQpipelineSync(handle) == 1
        var results: [PostgresResult] = []
        var failure: PostgresError?
        for command in commands {
            var last: OpaquePointer?
            while let result = PQgetResult(handle) {
                if let last { PQclear(last) }
                last = result
            }
            guard let last else {
                failure = failure ?? PostgresError(self.connectionIsBad ? .connectionLost : .server)
                continue
            }
            if PQresultStatus(last) == PGRES_PIPELINE_ABORTED {
                PQclear(last)
                continue
            }
            do {
                switch command {
                case .prepare(let key, let name):
                    _ = try self.check(last, counts: false)
                    self.prepared[key] = name
                case .statement:
                    results.append(try self.check(last))
                }
            } catch {
                failure = failure ?? error
            }
        }
        if synced {
            // The sync's own result ends the pipeline; a lost connection ends it with NULL.
            while let result = PQgetResult(handle) {
                let isSync = PQresultStatus(result) == PGRES_PIPELINE_SYNC
                PQclear(result)
                if isSync { break }
            }
        }
        if let failure { throw failure }
        guard sent == statements.count, synced else {
            throw PostgresError(self.connectionIsBad ? .connectionLost : .server)
        }
        return results
    }

    private enum PipelineCommand {
        case prepare(PreparedKey, String)
        case statement
    }

    /// The cache entry for `sql`: its name, and whether it still has to be prepared. Nil when it will not be.
    /// `pending`: statements a pipeline prepares before this one, not yet confirmed by the server.
    private func preparation(
        _ sql: String, _ binds: [PostgresBind], pending: [PreparedKey: String]
    ) -> (PreparedKey, String, Bool)? {
        guard !binds.isEmpty else { return nil }
        let key = PreparedKey(sql: sql, types: binds.map(\.oid))
        if let name = self.prepared[key] ?? pending[key] { return (key, name, false) }
        guard self.prepared.count + pending.count < Self.maximumPrepared else { return nil }
        self.preparedNames += 1
        return (key, "incidentd_\(self.preparedNames)", true)
    }

    /// Text parameters are NUL-terminated C strings: a NUL inside would silently cut the value.
    private static func refuseNUL(in binds: [PostgresBind]) throws(PostgresError) {
        for bind in binds where bind.format == 0 {
            if let bytes = bind.bytes, bytes.contains(0) { throw PostgresError(.nulInParameter) }
        }
    }

    /// Passes `binds` to libpq's parameter arrays: values as NUL-terminated copies, freed on return.
    private static func withParameters<R>(
        _ binds: [PostgresBind],
        _ body: (
            Int32, UnsafePointer<Oid>?, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?,
            UnsafePointer<Int32>?
        ) -> R
    ) -> R {
        var values: [UnsafeMutablePointer<CChar>?] = []
        values.reserveCapacity(binds.count)
        defer { for value in values { value?.deallocate() } }
        for bind in binds {
            guard let bytes = bind.bytes else {
                values.append(nil)
                continue
            }
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
            bytes.withUnsafeBufferPointer { source in
                buffer.withMemoryRebound(to: UInt8.self, capacity: bytes.count + 1) { target in
                    if let base = source.baseAddress { target.update(from: base, count: bytes.count) }
                    target[bytes.count] = 0
                }
            }
            values.append(buffer)
        }
        let types = binds.map { Oid($0.oid) }
        let lengths = binds.map { Int32($0.bytes?.count ?? 0) }
        let formats = binds.map(\.format)
        return values.withUnsafeBufferPointer { valuePointers in
            valuePointers.withMemoryRebound(to: UnsafePointer<CChar>?.self) { constValues in
                body(Int32(binds.count), types, constValues.baseAddress, lengths, formats)
            }
        }
    }

    /// Runs SQL without parameters, possibly several statements (migrations, BEGIN/COMMIT). Never pass user input.
    package func execute(script sql: StaticString) throws(PostgresError) {
        try self.execute(trustedScript: sql.description)
    }

    /// `execute(script:)` for SQL assembled from constants only (the embedded migrations).
    func execute(trustedScript sql: String) throws(PostgresError) {
        guard let handle = self.handle else { throw PostgresError(.connectionLost) }
        _ = try self.check(PQexec(handle, sql))
    }

    /// Owns `result` and throws its error. `counts: false` for a prepare: it changes nothing, so a connection found
    /// dead by it is as safe to retry elsewhere as one found dead by its first statement.
    private func check(_ result: OpaquePointer?, counts: Bool = true) throws(PostgresError) -> PostgresResult {
        guard let result else {
            // libpq returns NULL only when out of memory or the connection is gone.
            throw PostgresError(self.connectionIsBad ? .connectionLost : .server)
        }
        let owned = PostgresResult(taking: result)
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            if counts { self.statementsSinceLease += 1 }
            return owned
        default:
            let sqlState = Self.field(result, UInt8(ascii: "C"))  // PG_DIAG_SQLSTATE
            let constraint = Self.field(result, UInt8(ascii: "n"))  // PG_DIAG_CONSTRAINT_NAME
            if self.connectionIsBad { throw PostgresError(.connectionLost, sqlState: sqlState) }
            if counts { self.statementsSinceLease += 1 }
            throw PostgresError(.server, sqlState: sqlState, constraint: constraint)
        }
    }

    // MARK: - Notifications (LISTEN/NOTIFY)

    /// A notification received on a channel this connection listens to.
    package struct Notification: Sendable {
        package var channel: String
        package var payload: String
    }

    /// Waits up to `milliseconds` for notifications and returns those that arrived (often none).
    ///
    /// - Throws: `.connectionLost` when the server went away; the caller reconnects and listens again.
    package func waitForNotifications(milliseconds: Int32) throws(PostgresError) -> [Notification] {
        guard let handle = self.handle else { throw PostgresError(.connectionLost) }
        var received = self.drainNotifications(handle)
        guard received.isEmpty else { return received }
        let socket = PQsocket(handle)
        guard socket >= 0 else { throw PostgresError(.connectionLost) }
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, milliseconds)
        if ready < 0 {
            guard errno == EINTR else { throw PostgresError(.connectionLost) }
            return []
        }
        guard ready > 0 else { return [] }
        guard PQconsumeInput(handle) == 1, PQstatus(handle) == CONNECTION_OK else {
            throw PostgresError(.connectionLost)
        }
        received = self.drainNotifications(handle)
        return received
    }

    private func drainNotifications(_ handle: OpaquePointer) -> [Notification] {
        var received: [Notification] = []
        while let notification = PQnotifies(handle) {
            received.append(
                Notification(
                    channel: String(cString: notification.pointee.relname),
                    payload: String(cString: notification.pointee.extra)))
            PQfreemem(notification)
        }
        return received
    }

    private var connectionIsBad: Bool {
        guard let handle = self.handle else { return true }
        return PQstatus(handle) != CONNECTION_OK
    }

    private static func field(_ result: OpaquePointer, _ code: some BinaryInteger) -> String? {
        guard let value = PQresultErrorField(result, Int32(code)) else { return nil }
        return String(cString: value)
    }
}
