import Foundation
import Glibc
import Synchronization
package import HTTPCore

/// An HTTP/1.1 client on plain sockets, with optional TLS, keep-alive pooling and streaming bodies.
///
/// Every exchange runs on a thread of its own: DNS, connect, reads and writes block there, bounded by the
/// configured timeouts, and never on the caller's executor. Idle connections are kept per host and port and
/// reused; a reused connection that turns out to be closed before any response byte is retried once on a new one.
package final class HTTPClient: Sendable {
    package let configuration: HTTPClientConfiguration
    private let pool = Mutex<[HTTPConnectionKey: [HTTPConnection]]>([:])
    private let tls = Mutex<TLSContext?>(nil)

    package init(configuration: HTTPClientConfiguration = HTTPClientConfiguration()) {
        self.configuration = configuration
    }

    deinit { self.shutdown() }

    /// Closes the idle connections. Requests in flight finish normally.
    package func shutdown() {
        let idle = self.pool.withLock { pool in
            defer { pool.removeAll() }
            return pool.values.flatMap { $0 }
        }
        for connection in idle { connection.close() }
    }

    // MARK: - Requests

    /// Sends the request and hands the response head and a body reader to `handler`, on the I/O thread.
    ///
    /// The handler pulls the body with `reader.next()` (streaming) or `reader.collect(maximumBytes:)`; what it
    /// returns is the result. A body it leaves unread is drained (if small) or its connection is closed.
    package func execute<Result: Sendable>(
        _ request: HTTPClientRequest,
        handler: @escaping @Sendable (HTTPResponseHead, HTTPBodyReader) throws -> Result
    ) async throws -> Result {
        let cancellation = HTTPCancellation()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Result, any Error>) in
                let thread = Thread {
                    continuation.resume(with: Swift.Result { try self.perform(request, cancellation, handler) })
                }
                thread.name = "http-client"
                thread.start()
            }
        } onCancel: {
            cancellation.cancel()
        }
    }

    /// Sends the request and collects the whole response; `bodyTooLarge` beyond `maximumBodyBytes`.
    package func execute(
        _ request: HTTPClientRequest, maximumBodyBytes: Int = 64 * 1024 * 1024
    ) async throws -> HTTPClientResponse {
        try await self.execute(request) { head, reader in
            HTTPClientResponse(
                status: head.status, headers: head.headers, body: try reader.collect(maximumBytes: maximumBodyBytes))
        }
    }

    /// The simplest call: method, absolute URL, headers and an optional body; the response collected in memory.
    package func request(
        method: String, url: String, headers: HTTPHeaders = [:], body: [UInt8]? = nil
    ) async throws -> HTTPClientResponse {
        let request = try HTTPClientRequest(
            method: method, url: url, headers: headers, body: body.map { .bytes($0) } ?? .none)
        return try await self.execute(request)
    }

    // MARK: - On the I/O thread

    private func perform<Result>(
        _ request: HTTPClientRequest, _ cancellation: HTTPCancellation,
        _ handler: (HTTPResponseHead, HTTPBodyReader) throws -> Result
    ) throws -> Result {
        try request.validate()
        let key = HTTPConnectionKey(host: request.url.host, port: request.url.port, isTLS: request.url.isTLS)
        var retried = false
        while true {
            let (connection, reused) = try self.checkout(key, cancellation)
            let reader = HTTPBodyReader(
                connection: connection, isHeadRequest: request.method.uppercased() == "HEAD",
                readTimeout: self.configuration.readTimeout, chunkSize: self.configuration.chunkSize,
                cancellation: cancellation)
            let head: HTTPResponseHead
            do {
                head = try self.send(request, on: connection, reader: reader, cancellation)
            } catch {
                connection.close()
                // A pooled connection the server closed meanwhile fails before any answer: try once on a new one.
                if reused, !retried, error.code == .connectionClosed, !reader.sawAnyByte {
                    retried = true
                    continue
                }
                throw error
            }
            do {
                let result = try handler(head, reader)
                reader.drain(maximumBytes: 256 * 1024)
                if reader.isReusable { self.checkin(connection) } else { connection.close() }
                return result
            } catch {
                connection.close()
                throw error
            }
        }
    }

    /// Writes the request and reads the response head. When the server answers early and stops reading (an
    /// error for a large upload), its answer is returned rather than the failed write.
    private func send(
        _ request: HTTPClientRequest, on connection: HTTPConnection, reader: HTTPBodyReader,
        _ cancellation: HTTPCancellation
    ) throws(HTTPClientError) -> HTTPResponseHead {
        do {
            try self.writeRequest(request, on: connection, cancellation)
        } catch {
            guard error.code == .connectionClosed, let head = try? reader.readHead() else { throw error }
            return head
        }
        return try reader.readHead()
    }

    private func writeRequest(
        _ request: HTTPClientRequest, on connection: HTTPConnection, _ cancellation: HTTPCancellation
    ) throws(HTTPClientError) {
        var head = request.serializedHead()
        let timeout = self.configuration.writeTimeout
        switch request.body {
        case .none:
            try connection.write(head, until: .now.advanced(by: timeout), cancellation: cancellation)
        case .bytes(let body):
            // Small bodies go out with the head in one write; large ones are not copied.
            if body.count <= self.configuration.chunkSize {
                head.append(contentsOf: body)
                try connection.write(head, until: .now.advanced(by: timeout), cancellation: cancellation)
            } else {
                try connection.write(head, until: .now.advanced(by: timeout), cancellation: cancellation)
                try connection.write(body, until: .now.advanced(by: timeout), cancellation: cancellation)
            }
        case .file(let path, let offset, let length):
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw HTTPClientError(.bodyFileUnreadable, errno: errno, note: "open") }
            defer { close(fd) }
            try connection.write(head, until: .now.advanced(by: timeout), cancellation: cancellation)
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: self.configuration.chunkSize, alignment: 16)
            defer { buffer.deallocate() }
            var sent: Int64 = 0
            while sent < length {
                let want = Int(min(Int64(buffer.count), length - sent))
                let count = pread(fd, buffer.baseAddress, want, off_t(offset + sent))
                if count < 0, errno == EINTR { continue }
                // A file shorter than announced would leave the server waiting for bytes that never come.
                guard count > 0 else {
                    throw HTTPClientError(.bodyFileUnreadable, errno: count < 0 ? errno : nil, note: "pread")
                }
                try connection.write(
                    UnsafeRawBufferPointer(rebasing: buffer[..<count]), until: .now.advanced(by: timeout),
                    cancellation: cancellation)
                sent += Int64(count)
            }
        }
    }

    // MARK: - Pool

    private func checkout(
        _ key: HTTPConnectionKey, _ cancellation: HTTPCancellation
    ) throws(HTTPClientError) -> (HTTPConnection, reused: Bool) {
        while let idle = self.pool.withLock({ $0[key]?.popLast() }) {
            if idle.idleSince.duration(to: .now) < self.configuration.idleTimeout, idle.looksReusable {
                return (idle, true)
            }
            idle.close()
        }
        let context = key.isTLS ? try self.tlsContext() : nil
        let connection = try HTTPConnection.connect(
            key: key, tls: context, timeout: self.configuration.connectTimeout, cancellation: cancellation)
        return (connection, false)
    }

    private func checkin(_ connection: HTTPConnection) {
        connection.idleSince = .now
        let kept = self.pool.withLock { pool in
            guard pool[connection.key, default: []].count < self.configuration.maximumIdlePerHost else { return false }
            pool[connection.key, default: []].append(connection)
            return true
        }
        if !kept { connection.close() }
    }

    private func tlsContext() throws(HTTPClientError) -> TLSContext {
        try self.tls.withLock { context throws(HTTPClientError) in
            if let context { return context }
            let created = try TLSContext(caFile: self.configuration.caFile)
            context = created
            return created
        }
    }
}
