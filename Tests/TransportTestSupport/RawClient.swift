import Glibc
package import HTTPCore
import Transport

/// A plain TCP client for feeding a server exact bytes. Reads never block a test thread: they poll and sleep.
package final class RawClient {
    package let fd: Int32
    package private(set) var received: [UInt8] = []
    package private(set) var sawEOF = false

    package init(port: Int) throws {
        self.fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port)).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(self.fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else { throw SystemError(errno: errno, function: "connect") }
        _ = fcntl(self.fd, F_SETFL, fcntl(self.fd, F_GETFL) | O_NONBLOCK)
    }

    private var closed = false

    deinit {
        self.disconnect()
    }

    /// Half-closes: the server sees EOF after what was sent.
    package func shutdownWrite() {
        shutdown(self.fd, Int32(SHUT_WR))
    }

    /// Closes the socket (once).
    package func disconnect() {
        guard !self.closed else { return }
        self.closed = true
        close(self.fd)
    }

    /// Writes everything (the socket is non-blocking; small test payloads fit the buffer, else it retries).
    package func send(_ bytes: [UInt8]) async {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(self.fd, $0.baseAddress, $0.count) }
            if n > 0 {
                offset += n
            } else if n < 0 && (errno == EAGAIN || errno == EINTR) {
                try? await Task.sleep(for: .milliseconds(1))
            } else {
                return
            }
        }
    }

    package func send(_ text: String) async {
        await self.send(Array(text.utf8))
    }

    /// Reads what is available; true if anything came or EOF was seen.
    @discardableResult
    package func poll() -> Bool {
        var progressed = false
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(self.fd, $0.baseAddress, $0.count) }
            if n > 0 {
                self.received += buffer[0..<n]
                progressed = true
                continue
            }
            if n == 0 {
                self.sawEOF = true
                return true
            }
            if errno == ECONNRESET {
                self.sawEOF = true
                return true
            }
            return progressed
        }
    }

    /// Waits until `condition` holds for what was received, or EOF, or the timeout.
    package func wait(timeout: Duration = .seconds(5), until condition: ([UInt8]) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            self.poll()
            if condition(self.received) { return true }
            if self.sawEOF { return condition(self.received) }
            try? await Task.sleep(for: .milliseconds(2))
        }
        return false
    }

    /// Waits for the server to close the connection.
    package func waitForEOF(timeout: Duration = .seconds(5)) async -> Bool {
        _ = await self.wait(timeout: timeout) { _ in false }
        return self.sawEOF
    }

    /// Reads one complete response (Content-Length or chunked) and removes it from the received bytes.
    package func response(timeout: Duration = .seconds(5)) async -> RawResponse? {
        var parsed: RawResponse?
        _ = await self.wait(timeout: timeout) { bytes in
            parsed = RawResponse.parse(bytes)
            return parsed != nil
        }
        if let parsed { self.received.removeFirst(parsed.length) }
        return parsed
    }
}

/// A parsed response.
package struct RawResponse {
    package var status: Int
    package var headers: HTTPHeaders
    package var body: [UInt8]
    package var length: Int
    package var text: String { String(decoding: self.body, as: UTF8.self) }

    package static func parse(_ bytes: [UInt8]) -> RawResponse? {
        guard bytes.count >= 4,
            let end = (0...(bytes.count - 4)).first(where: {
                bytes[$0] == 13 && bytes[$0 + 1] == 10 && bytes[$0 + 2] == 13 && bytes[$0 + 3] == 10
            })
        else { return nil }
        let head = String(decoding: bytes[0..<end], as: UTF8.self)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
        var headers = HTTPHeaders()
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.add(String(line[..<colon]), String(line[line.index(after: colon)...].drop { $0 == " " }))
        }
        var offset = end + 4
        if status == 101 || status == 100 || status == 204 || status == 304 {
            return RawResponse(status: status, headers: headers, body: [], length: offset)
        }
        if headers["Transfer-Encoding"] == "chunked" {
            var body: [UInt8] = []
            while true {
                guard
                    let lineEnd = (offset..<max(offset, bytes.count - 1)).first(where: {
                        bytes[$0] == 13 && bytes[$0 + 1] == 10
                    }),
                    let size = Int(String(decoding: bytes[offset..<lineEnd], as: UTF8.self), radix: 16)
                else { return nil }
                offset = lineEnd + 2
                guard bytes.count >= offset + size + 2 else { return nil }
                body += bytes[offset..<(offset + size)]
                offset += size + 2
                if size == 0 { return RawResponse(status: status, headers: headers, body: body, length: offset) }
            }
        }
        let length = Int(headers["Content-Length"] ?? "0") ?? 0
        guard bytes.count >= offset + length else { return nil }
        return RawResponse(
            status: status,
            headers: headers,
            body: Array(bytes[offset..<(offset + length)]),
            length: offset + length
        )
    }
}
