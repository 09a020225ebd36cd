import Glibc
package import Testing

/// A loopback TCP port where nothing listens: the kernel picks a free one, which is closed again at once.
///
/// Outage tests point a client at it ("the service is down"); tests that start a server of their own take it as a
/// free port.
package func unusedLoopbackPort(sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    try #require(descriptor >= 0, "socket() failed", sourceLocation: sourceLocation)
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
            bind(descriptor, generic, length) == 0 && getsockname(descriptor, generic, &length) == 0
        }
    }
    try #require(bound, "no free loopback port", sourceLocation: sourceLocation)
    return Int(UInt16(bigEndian: address.sin_port))
}
