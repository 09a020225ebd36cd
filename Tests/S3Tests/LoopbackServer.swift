import Foundation
import Synchronization

/// A tiny blocking TCP server on 127.0.0.1 for client tests: each connection is handed to `handler` on a thread
/// of its own and closed when the handler returns.
final class LoopbackServer: Sendable {
    let port: Int
    private let fd: Int32
    private let stopped = Atomic<Bool>(false)
    /// Connections accepted so far.
    var connections: Int { self.accepted.load(ordering: .relaxed) }
    private let accepted = Atomic<Int>(0)

    init(handler: @escaping @Sendable (LoopbackConnection) -> Void) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw CocoaError(.fileWriteUnknown)
        }
        self.fd = fd
        self.port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in
            while !self.stopped.load(ordering: .relaxed) {
                let client = accept(fd, nil, nil)
                guard client >= 0 else {
                    if errno == EINTR { continue }
                    return
                }
                self.accepted.add(1, ordering: .relaxed)
                let worker = Thread {
                    handler(LoopbackConnection(fd: client))
                    close(client)
                }
                worker.start()
            }
        }
        thread.start()
    }

    func stop() {
        guard !self.stopped.exchange(true, ordering: .relaxed) else { return }
        shutdown(self.fd, Int32(SHUT_RDWR))
        close(self.fd)
    }

    deinit { self.stop() }
}

/// One accepted connection, used by one handler thread.
final class LoopbackConnection {
    struct Request {
        var method: String
        var target: String
        var headers: [String: String]
        var body: [UInt8]
    }

    let fd: Int32
    private var buffer: [UInt8] = []

    init(fd: Int32) { self.fd = fd }

    /// The next request (head and Content-Length body), or nil when the client closed the connection.
    func readRequest() -> Request? {
        while true {
            if let end = self.find([13, 10, 13, 10]) {
                let head = String(decoding: self.buffer[..<end], as: UTF8.self)
                var lines = head.components(separatedBy: "\r\n")
                let requestLine = lines.removeFirst().split(separator: " ")
                guard requestLine.count == 3 else { return nil }
                var headers: [String: String] = [:]
                for line in lines {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    headers[line[..<colon].lowercased()] = line[line.index(after: colon)...]
                        .trimmingCharacters(in: .whitespaces)
                }
                let length = Int(headers["content-length"] ?? "0") ?? 0
                while self.buffer.count < end + 4 + length {
                    guard self.fill() else { return nil }
                }
                let body = Array(self.buffer[(end + 4)..<(end + 4 + length)])
                self.buffer.removeFirst(end + 4 + length)
                return Request(
                    method: String(requestLine[0]), target: String(requestLine[1]), headers: headers, body: body)
            }
            guard self.fill() else { return nil }
        }
    }

    /// Reads the next request's head and throws its Content-Length body away as it arrives (for benchmarks);
    /// returns the body's size, or nil when the client closed the connection.
    func discardRequest() -> Int? {
        while true {
            if let end = self.find([13, 10, 13, 10]) {
                let head = String(decoding: self.buffer[..<end], as: UTF8.self).lowercased()
                let length =
                    head.components(separatedBy: "\r\n")
                    .first(where: { $0.hasPrefix("content-length:") })
                    .flatMap { Int($0.dropFirst(15).trimmingCharacters(in: .whitespaces)) } ?? 0
                var remaining = length - (self.buffer.count - end - 4)
                self.buffer.removeAll()
                while remaining > 0 {
                    guard self.fill() else { return nil }
                    remaining -= self.buffer.count
                    self.buffer.removeAll(keepingCapacity: true)
                }
                return length
            }
            guard self.fill() else { return nil }
        }
    }

    func write(_ text: String) { self.write(Array(text.utf8)) }

    func write(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes {
                send(self.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard count > 0 else { return }
            offset += count
        }
    }

    /// Blocks until the client closes the connection (for servers that never answer).
    func waitForClose() {
        while self.fill() { self.buffer.removeAll() }
    }

    private func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { read(self.fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return false }
        self.buffer.append(contentsOf: chunk[..<count])
        return true
    }

    private func find(_ needle: [UInt8]) -> Int? {
        guard self.buffer.count >= needle.count else { return nil }
        for i in 0...(self.buffer.count - needle.count) where self.buffer[i..<(i + needle.count)].elementsEqual(needle)
        {
            return i
        }
        return nil
    }
}
