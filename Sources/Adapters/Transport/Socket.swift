internal import CLinuxShim
internal import Glibc

/// Thin wrappers over the socket calls the loops need; every socket they make is non-blocking and close-on-exec.
enum Socket {
    /// Makes a listening TCP socket bound to `host:port`. No `SO_REUSEPORT`: a second server on the same port must
    /// fail with EADDRINUSE, not silently share the traffic; the loops share this one socket instead.
    static func listen(host: String, port: Int, backlog: Int32 = 1024) throws(SystemError) -> Int32 {
        var storage = sockaddr_storage()
        let length = try Self.address(host: host, port: port, into: &storage)
        let fd = socket(Int32(storage.ss_family), shim_sock_stream_nonblock(), 0)
        guard fd >= 0 else { throw SystemError(errno: Glibc.errno, function: "socket") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else {
            let e = Glibc.errno
            close(fd)
            throw SystemError(errno: e, function: "bind")
        }
        guard Glibc.listen(fd, backlog) == 0 else {
            let e = Glibc.errno
            close(fd)
            throw SystemError(errno: e, function: "listen")
        }
        return fd
    }

    /// Starts a non-blocking connect; the caller waits for writability and then checks `pendingError`.
    static func connect(host: String, port: Int) throws(SystemError) -> Int32 {
        var storage = sockaddr_storage()
        let length = try Self.address(host: host, port: port, into: &storage)
        let fd = socket(Int32(storage.ss_family), shim_sock_stream_nonblock(), 0)
        guard fd >= 0 else { throw SystemError(errno: Glibc.errno, function: "socket") }
        Self.setNoDelay(fd)
        let rc = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) }
        }
        if rc != 0 && Glibc.errno != EINPROGRESS {
            let e = Glibc.errno
            close(fd)
            throw SystemError(errno: e, function: "connect")
        }
        return fd
    }

    /// The error of a finished non-blocking connect (0 when it succeeded).
    static func pendingError(_ fd: Int32) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length)
        return value
    }

    /// Small frames must leave at once: Nagle's delay would add 40 ms to a chat message.
    static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// The local port a socket is bound to.
    static func localPort(_ fd: Int32) -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Self.port(of: storage)
    }

    /// Accepts one connection, or nil when none is waiting (`EAGAIN`). Returns the peer's IP as text.
    static func accept(_ listener: Int32) throws(SystemError) -> (fd: Int32, address: String)? {
        while true {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    accept4(listener, $0, &length, shim_accept_flags())
                }
            }
            if fd >= 0 { return (fd, Self.ipString(storage)) }
            switch Glibc.errno {
            case EINTR, ECONNABORTED: continue
            case EAGAIN, EWOULDBLOCK: return nil
            case let e: throw SystemError(errno: e, function: "accept4")
            }
        }
    }

    private static func address(
        host: String,
        port: Int,
        into storage: inout sockaddr_storage
    ) throws(SystemError)
        -> socklen_t
    {
        let networkPort = in_port_t(UInt16(truncatingIfNeeded: port)).bigEndian
        var v4 = sockaddr_in()
        if inet_pton(AF_INET, host, &v4.sin_addr) == 1 {
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = networkPort
            return Self.store(v4, into: &storage)
        }
        var v6 = sockaddr_in6()
        let name = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        if inet_pton(AF_INET6, name, &v6.sin6_addr) == 1 {
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = networkPort
            return Self.store(v6, into: &storage)
        }
        if name == "localhost" { return try Self.address(host: "127.0.0.1", port: port, into: &storage) }
        throw SystemError(errno: EINVAL, function: "inet_pton")
    }

    /// Copies an IPv4 or IPv6 address into the storage that `bind` and `connect` take; returns its length.
    private static func store<Address>(_ address: Address, into storage: inout sockaddr_storage) -> socklen_t {
        withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: Address.self, capacity: 1) { $0.pointee = address }
        }
        return socklen_t(MemoryLayout<Address>.size)
    }

    private static func port(of storage: sockaddr_storage) -> Int {
        var copy = storage
        return withUnsafePointer(to: &copy) { p -> Int in
            if Int32(storage.ss_family) == AF_INET6 {
                return p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    Int(UInt16(bigEndian: $0.pointee.sin6_port))
                }
            }
            return p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                Int(UInt16(bigEndian: $0.pointee.sin_port))
            }
        }
    }

    private static func ipString(_ storage: sockaddr_storage) -> String {
        var copy = storage
        var text = [CChar](repeating: 0, count: 64)
        withUnsafePointer(to: &copy) { p in
            if Int32(storage.ss_family) == AF_INET6 {
                p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { a in
                    var addr = a.pointee.sin6_addr
                    _ = inet_ntop(AF_INET6, &addr, &text, 64)
                }
            } else {
                p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { a in
                    var addr = a.pointee.sin_addr
                    _ = inet_ntop(AF_INET, &addr, &text, 64)
                }
            }
        }
        let ip = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // An IPv4 client of a dual-stack socket shows up as ::ffff:a.b.c.d; report the IPv4 form.
        return ip.hasPrefix("::ffff:") && ip.contains(".") ? String(ip.dropFirst(7)) : ip
    }
}
