import Glibc

/// A connected socket to one host and port, plain or TLS, with deadline-bounded blocking reads and writes.
///
/// Used by one thread at a time: the pool hands it to exactly one request, which gives it back or closes it.
/// That hand-over is the guarantee behind `@unchecked Sendable`.
final class HTTPConnection: @unchecked Sendable {
    let key: HTTPConnectionKey
    let fd: Int32
    private let tls: TLSSession?
    /// When it last finished a response, for the pool's idle limit.
    var idleSince: ContinuousClock.Instant = .now
    private var isClosed = false

    private init(key: HTTPConnectionKey, fd: Int32, tls: TLSSession?) {
        self.key = key
        self.fd = fd
        self.tls = tls
    }

    deinit { self.close() }

    func close() {
        guard !self.isClosed else { return }
        self.isClosed = true
        Glibc.close(self.fd)
    }

    // MARK: - Connecting

    /// Resolves the host, connects to its addresses in turn within `timeout` overall, and does the TLS handshake.
    static func connect(
        key: HTTPConnectionKey, tls context: TLSContext?, timeout: Duration, cancellation: HTTPCancellation
    ) throws(HTTPClientError) -> HTTPConnection {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_ADDRCONFIG | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(key.host, String(key.port), &hints, &list)
        guard status == 0, let first = list else {
            throw HTTPClientError(.dnsFailure, note: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(first) }

        var lastError = HTTPClientError(.connectFailed)
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            cursor = info.pointee.ai_next
            let fd = socket(
                info.pointee.ai_family,
                Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
                    | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else {
                lastError = HTTPClientError(.connectFailed, errno: errno, note: "socket")
                continue
            }
            // From here the connection owns the descriptor and closes it on every path.
            let connection = HTTPConnection(key: key, fd: fd, tls: nil)
            do {
                try connection.finishConnect(
                    to: info.pointee.ai_addr, length: info.pointee.ai_addrlen, until: deadline,
                    cancellation: cancellation)
                var one: Int32 = 1
                _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                guard let context else { return connection }
                let session = try TLSSession(context: context, fd: fd, host: key.host)
                let secured = HTTPConnection(key: key, fd: fd, tls: session)
                connection.isClosed = true  // the descriptor now belongs to `secured`
                while let want = try session.handshake() {
                    try secured.wait(
                        for: want == .read ? Int16(POLLIN) : Int16(POLLOUT), until: deadline, code: .connectTimeout,
                        cancellation: cancellation)
                }
                return secured
            } catch {
                lastError = error
                if error.code == .cancelled || error.code == .tlsFailure { throw error }
                if ContinuousClock.now >= deadline { throw HTTPClientError(.connectTimeout) }
            }
        }
        throw lastError
    }

    private func finishConnect(
        to address: UnsafeMutablePointer<sockaddr>?, length: socklen_t, until deadline: ContinuousClock.Instant,
        cancellation: HTTPCancellation
    ) throws(HTTPClientError) {
        while true {
            if Glibc.connect(self.fd, address, length) == 0 { return }
            let code = errno
            if code == EINTR { continue }
            guard code == EINPROGRESS else { throw HTTPClientError(.connectFailed, errno: code, note: "connect") }
            break
        }
        try self.wait(for: Int16(POLLOUT), until: deadline, code: .connectTimeout, cancellation: cancellation)
        var error: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(self.fd, SOL_SOCKET, SO_ERROR, &error, &size) == 0, error == 0 else {
            throw HTTPClientError(.connectFailed, errno: error, note: "connect")
        }
    }

    // MARK: - Reading and writing

    /// Reads what is available, waiting until the deadline; 0 means the peer closed the stream.
    func read(
        into buffer: UnsafeMutableRawBufferPointer, until deadline: ContinuousClock.Instant,
        cancellation: HTTPCancellation
    ) throws(HTTPClientError) -> Int {
        while true {
            if let tls = self.tls {
                let (count, want) = try tls.read(buffer)
                guard let want else { return count }
                try self.wait(
                    for: want == .read ? Int16(POLLIN) : Int16(POLLOUT), until: deadline, code: .readTimeout,
                    cancellation: cancellation)
                continue
            }
            let count = Glibc.read(self.fd, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            let code = errno
            switch code {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK:
                try self.wait(for: Int16(POLLIN), until: deadline, code: .readTimeout, cancellation: cancellation)
            default: throw HTTPClientError(.connectionClosed, errno: code, note: "read")
            }
        }
    }

    /// Writes all the bytes, waiting for the socket to drain until the deadline.
    func write(
        _ bytes: UnsafeRawBufferPointer, until deadline: ContinuousClock.Instant, cancellation: HTTPCancellation
    ) throws(HTTPClientError) {
        var offset = 0
        while offset < bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            if let tls = self.tls {
                let (count, want) = try tls.write(rest)
                if let want {
                    try self.wait(
                        for: want == .read ? Int16(POLLIN) : Int16(POLLOUT), until: deadline, code: .writeTimeout,
                        cancellation: cancellation)
                } else {
                    offset += count
                }
                continue
            }
            // MSG_NOSIGNAL: a peer that went away is an error to report, not a SIGPIPE that kills the process.
            let count = send(self.fd, rest.baseAddress, rest.count, Int32(MSG_NOSIGNAL))
            if count >= 0 {
                offset += count
                continue
            }
            let code = errno
            switch code {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK:
                try self.wait(for: Int16(POLLOUT), until: deadline, code: .writeTimeout, cancellation: cancellation)
            default: throw HTTPClientError(.connectionClosed, errno: code, note: "write")
            }
        }
    }

    /// Writes all the bytes of an array (typed throws cannot cross `withUnsafeBytes`, which rethrows untyped).
    func write(
        _ bytes: [UInt8], until deadline: ContinuousClock.Instant, cancellation: HTTPCancellation
    ) throws(HTTPClientError) {
        var failure: HTTPClientError?
        bytes.withUnsafeBytes { buffer in
            do throws(HTTPClientError) {
                try self.write(buffer, until: deadline, cancellation: cancellation)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
    }

    /// Whether an idle pooled connection still looks usable: nothing to read (no EOF, no stray bytes) and no error.
    var looksReusable: Bool {
        var pfd = pollfd(fd: self.fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&pfd, 1, 0)
        return ready == 0
    }

    /// Waits for readiness in slices of at most 100 ms, so a cancelled task stops waiting within that time.
    private func wait(
        for events: Int16, until deadline: ContinuousClock.Instant, code: HTTPClientError.Code,
        cancellation: HTTPCancellation
    ) throws(HTTPClientError) {
        while true {
            guard !cancellation.isCancelled else { throw HTTPClientError(.cancelled) }
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { throw HTTPClientError(code) }
            let (seconds, attoseconds) = remaining.components
            let milliseconds = min(100, Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1))
            var pfd = pollfd(fd: self.fd, events: events, revents: 0)
            let ready = poll(&pfd, 1, milliseconds)
            if ready > 0 {
                // Readiness includes errors and hang-ups: the next read or write reports them precisely.
                return
            }
            if ready < 0 {
                let error = errno
                guard error == EINTR else { throw HTTPClientError(.connectionClosed, errno: error, note: "poll") }
            }
        }
    }
}

/// Where a connection goes: connections are pooled and reused per key.
struct HTTPConnectionKey: Hashable, Sendable {
    var host: String
    var port: Int
    var isTLS: Bool
}
