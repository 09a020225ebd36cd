internal import Dispatch
internal import Foundation
internal import Synchronization

/// A pool of PostgreSQL connections with the semantics of `DB_POOL_SIZE`, `DB_MAX_OVERFLOW`, `DB_POOL_TIMEOUT` and
/// `DB_POOL_RECYCLE`, running every blocking call on its own threads.
///
/// A connection is lent for one body and given back at once. Broken connections are dropped and replaced; when a
/// connection turns out dead at the first statement of a body (e.g. after a server restart), the body is run again
/// on a fresh connection, which is safe because nothing reached the server. Bodies that write must therefore start
/// with a statement that changes nothing by itself: `transaction` starts with BEGIN.
package final class PostgresPool: Sendable {
    package let configuration: PostgresConfiguration
    private let state: Mutex<State>
    private let workers: PostgresThreadPool
    private let timers = DispatchQueue(label: "postgres.pool.timeouts")

    private enum Checkout: Sendable {
        case existing(PostgresConnection)
        case fresh
    }

    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Checkout, any Error>
    }

    private struct State {
        var idle: [PostgresConnection] = []
        /// Connections open or being opened (including lent ones).
        var open = 0
        var waiters: [Waiter] = []
        var nextWaiterID: UInt64 = 0
        var isClosed = false
    }

    /// Creates the pool; connections open lazily, at first use.
    package init(configuration: PostgresConfiguration) {
        self.configuration = configuration
        self.state = Mutex(State())
        self.workers = PostgresThreadPool(maximumThreads: configuration.maximumConnections, name: "postgres")
    }

    // MARK: - Using a connection

    /// Lends a connection to `body`, run on a pool thread.
    ///
    /// - Throws: what `body` throws; `PostgresError` `.poolTimeout` when no connection frees up within
    ///   `DB_POOL_TIMEOUT`, `.connectionFailed` when none can be opened.
    package func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T)
        async throws -> T
    {
        let checkout = try await self.checkout()
        return try await self.workers.run { [self] in try self.perform(body, with: checkout) }
    }

    /// Runs `body` inside BEGIN ... COMMIT, rolling back when it throws.
    ///
    /// A failed COMMIT throws, and then nothing of the body was stored.
    package func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T)
        async throws -> T
    {
        try await self.withConnection { connection in
            try connection.execute(script: "BEGIN")
            do {
                let value = try body(connection)
                try connection.execute(script: "COMMIT")
                return value
            } catch {
                try? connection.execute(script: "ROLLBACK")
                throw error
            }
        }
    }

    /// Closes idle connections and refuses new work; lent connections close when given back.
    package func close() {
        let (idle, waiters) = self.state.withLock { state in
            state.isClosed = true
            defer {
                state.open -= state.idle.count
                state.idle = []
                state.waiters = []
            }
            return (state.idle, state.waiters)
        }
        for connection in idle { connection.close() }
        for waiter in waiters { waiter.continuation.resume(throwing: PostgresError(.poolClosed)) }
        self.workers.shutDown()
    }

    /// Connections open now and idle now, for metrics and tests.
    package var statistics: (open: Int, idle: Int, waiting: Int) {
        self.state.withLock { ($0.open, $0.idle.count, $0.waiters.count) }
    }

    // MARK: - Lending

    private func checkout() async throws -> Checkout {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Checkout, any Error>) in
            enum Action {
                case resume(Checkout)
                case fail
                case wait(UInt64)
            }
            let maximum = self.configuration.maximumConnections
            let action = self.state.withLock { state -> Action in
                if state.isClosed { return .fail }
                if let connection = state.idle.popLast() { return .resume(.existing(connection)) }
                if state.open < maximum {
                    state.open += 1
                    return .resume(.fresh)
                }
                state.nextWaiterID += 1
                state.waiters.append(Waiter(id: state.nextWaiterID, continuation: continuation))
                return .wait(state.nextWaiterID)
            }
            switch action {
            case .resume(let checkout):
                continuation.resume(returning: checkout)
            case .fail:
                continuation.resume(throwing: PostgresError(.poolClosed))
            case .wait(let id):
                self.timers.asyncAfter(deadline: .now() + self.configuration.poolTimeout) { [self] in
                    self.expireWaiter(id)
                }
            }
        }
    }

    private func expireWaiter(_ id: UInt64) {
        let waiter = self.state.withLock { state -> Waiter? in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
        waiter?.continuation.resume(throwing: PostgresError(.poolTimeout))
    }

    /// Runs on a pool thread: opens or checks the connection, runs the body, gives the connection back.
    private func perform<T>(_ body: (PostgresConnection) throws -> T, with checkout: Checkout) throws -> T {
        var connection: PostgresConnection
        do {
            connection = try self.ready(checkout)
        } catch {
            self.giveBack(nil)
            throw error
        }
        var retried = false
        while true {
            connection.statementsSinceLease = 0
            do {
                let value = try body(connection)
                self.giveBack(connection)
                return value
            } catch let error as PostgresError where error.breaksConnection {
                connection.close()
                guard !retried, connection.statementsSinceLease == 0 else {
                    self.giveBack(nil)
                    throw error
                }
                retried = true
                do {
                    connection = try self.open()
                } catch {
                    self.giveBack(nil)
                    throw error
                }
            } catch {
                self.giveBack(connection)
                throw error
            }
        }
    }

    private func ready(_ checkout: Checkout) throws(PostgresError) -> PostgresConnection {
        switch checkout {
        case .existing(let connection):
            if connection.isUsable && !self.isExpired(connection) { return connection }
            connection.close()
            return try self.open()
        case .fresh:
            return try self.open()
        }
    }

    /// A new connection with the statement timeout set for its session.
    private func open() throws(PostgresError) -> PostgresConnection {
        let connection = try PostgresConnection(url: self.configuration.url)
        // A new session already has the default that 0 asks for: no round trip.
        guard self.configuration.statementTimeoutMilliseconds > 0 else { return connection }
        do {
            try self.applyStatementTimeout(on: connection)
        } catch {
            connection.close()
            throw error
        }
        return connection
    }

    /// Gives `connection` the pool's statement timeout (`DB_STATEMENT_TIMEOUT`); with 0, the session's default (the
    /// server's or the URL's). The migrator calls it after lifting the timeout for its steps.
    package func applyStatementTimeout(on connection: PostgresConnection) throws(PostgresError) {
        let milliseconds = self.configuration.statementTimeoutMilliseconds
        try connection.execute(
            trustedScript: milliseconds > 0 ? "SET statement_timeout = \(milliseconds)" : "RESET statement_timeout")
    }

    private func isExpired(_ connection: PostgresConnection) -> Bool {
        connection.openedAt.duration(to: .now) > .seconds(self.configuration.recycle)
    }

    /// Gives a connection back (nil when it was dropped): to the longest waiter, to the idle list, or closed.
    private func giveBack(_ connection: PostgresConnection?) {
        enum Action {
            case resume(Waiter, Checkout)
            case close
            case none
        }
        let keep = connection.map { $0.isUsable && !self.isExpired($0) } ?? false
        let poolSize = self.configuration.poolSize
        let action = self.state.withLock { state -> Action in
            if state.isClosed {
                state.open -= 1
                return .close
            }
            if !state.waiters.isEmpty {
                let waiter = state.waiters.removeFirst()
                if keep, let connection { return .resume(waiter, .existing(connection)) }
                return .resume(waiter, .fresh)
            }
            if keep, let connection, state.idle.count < poolSize {
                state.idle.append(connection)
                return .none
            }
            state.open -= 1
            return .close
        }
        switch action {
        case .resume(let waiter, let checkout):
            if case .fresh = checkout { connection?.close() }
            waiter.continuation.resume(returning: checkout)
        case .close:
            connection?.close()
        case .none:
            break
        }
    }
}
