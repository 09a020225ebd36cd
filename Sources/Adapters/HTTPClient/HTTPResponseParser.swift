import HTTPCore
/// An HTTP/1.1 response decoder with no I/O: feed it the bytes read, pull head, body chunks and the end.
///
/// Strict where leniency would be dangerous (RFC 9112): both Content-Length and Transfer-Encoding, differing
/// Content-Length values, malformed chunk sizes and folded header lines are errors, not guesses. Limits keep a
/// hostile server from making the client buffer without bound.
package struct HTTPResponseParser {
    package struct Limits: Hashable, Sendable {
        /// Status line plus header fields.
        package var maximumHeadBytes: Int
        package var maximumHeaderCount: Int
        /// A chunk-size line, extensions included.
        package var maximumChunkLineBytes: Int

        package init(
            maximumHeadBytes: Int = 64 * 1024, maximumHeaderCount: Int = 128, maximumChunkLineBytes: Int = 1024
        ) {
            self.maximumHeadBytes = maximumHeadBytes
            self.maximumHeaderCount = maximumHeaderCount
            self.maximumChunkLineBytes = maximumChunkLineBytes
        }
    }

    package enum Event: Hashable, Sendable {
        case head(HTTPResponseHead)
        case body(ArraySlice<UInt8>)
        case end
    }

    private enum State {
        case head
        case fixed(remaining: Int64)
        case chunkSize
        case chunkData(remaining: Int64)
        case chunkDataEnd
        case trailers(bytes: Int)
        case untilClose
        case done
    }

    private let limits: Limits
    private let isHeadRequest: Bool
    private var state: State = .head
    private var buffer: [UInt8] = []
    private var index = 0
    private var inputEnded = false
    /// Bytes after `index` already searched for a line end without success, so a head or line that arrives in
    /// tiny pieces is scanned once overall, not once per piece.
    private var scanned = 0
    /// Whether the connection may carry another request once the response has ended.
    package private(set) var isReusable = false
    /// Whether any byte of a response was seen; a reused connection that fails before that can be retried.
    package private(set) var sawAnyByte = false

    package init(isHeadRequest: Bool = false, limits: Limits = Limits()) {
        self.isHeadRequest = isHeadRequest
        self.limits = limits
    }

    /// Bytes read from the connection.
    package mutating func append(_ bytes: some Collection<UInt8>) {
        guard !bytes.isEmpty else { return }
        self.sawAnyByte = true
        if self.index > 0, self.index == self.buffer.count {
            self.buffer.removeAll(keepingCapacity: true)
            self.index = 0
        } else if self.index > 4096, self.index * 2 > self.buffer.count {
            self.buffer.removeFirst(self.index)
            self.index = 0
        }
        self.buffer.append(contentsOf: bytes)
    }

    /// The peer closed the connection.
    package mutating func endOfInput() { self.inputEnded = true }

    /// Whether the response has ended and bytes beyond it were received (then the connection cannot be reused).
    package var hasExtraBytes: Bool { self.index < self.buffer.count }

    /// The next event, or nil when more input is needed.
    package mutating func next() throws(HTTPClientError) -> Event? {
        while true {
            switch self.state {
            case .head:
                guard let head = try self.parseHead() else { return nil }
                // 1xx responses (100 Continue) are interim: a final response follows on the same connection.
                if (100...199).contains(head.status) {
                    guard head.status != 101 else { throw HTTPClientError(.malformedResponse, note: "101 upgrade") }
                    continue
                }
                try self.chooseFraming(for: head)
                return .head(head)
            case .fixed(let remaining):
                if remaining == 0 {
                    self.state = .done
                    return .end
                }
                let available = self.buffer.count - self.index
                guard available > 0 else {
                    if self.inputEnded { throw HTTPClientError(.connectionClosed, note: "truncated body") }
                    return nil
                }
                let take = Int(min(Int64(available), remaining))
                let slice = self.buffer[self.index..<(self.index + take)]
                self.index += take
                self.state = .fixed(remaining: remaining - Int64(take))
                return .body(slice)
            case .untilClose:
                let available = self.buffer.count - self.index
                if available > 0 {
                    let slice = self.buffer[self.index...]
                    self.index = self.buffer.count
                    return .body(slice)
                }
                guard self.inputEnded else { return nil }
                self.state = .done
                return .end
            case .chunkSize:
                guard let line = try self.line(limit: self.limits.maximumChunkLineBytes, code: .invalidChunk) else {
                    return nil
                }
                let size = try Self.chunkSize(line)
                self.state = size == 0 ? .trailers(bytes: 0) : .chunkData(remaining: size)
            case .chunkData(let remaining):
                let available = self.buffer.count - self.index
                guard available > 0 else {
                    if self.inputEnded { throw HTTPClientError(.connectionClosed, note: "truncated chunk") }
                    return nil
                }
                let take = Int(min(Int64(available), remaining))
                let slice = self.buffer[self.index..<(self.index + take)]
                self.index += take
                self.state = remaining == Int64(take) ? .chunkDataEnd : .chunkData(remaining: remaining - Int64(take))
                return .body(slice)
            case .chunkDataEnd:
                guard self.buffer.count - self.index >= 2 else {
                    if self.inputEnded { throw HTTPClientError(.connectionClosed, note: "truncated chunk") }
                    return nil
                }
                guard self.buffer[self.index] == 0x0D, self.buffer[self.index + 1] == 0x0A else {
                    throw HTTPClientError(.invalidChunk, note: "no CRLF after chunk data")
                }
                self.index += 2
                self.state = .chunkSize
            case .trailers(let bytes):
                let before = self.index
                guard let line = try self.line(limit: self.limits.maximumHeadBytes - bytes, code: .headersTooLarge)
                else { return nil }
                if line.isEmpty {
                    self.state = .done
                    return .end
                }
                self.state = .trailers(bytes: bytes + (self.index - before))
            case .done:
                return nil
            }
        }
    }

    // MARK: - Head

    private mutating func parseHead() throws(HTTPClientError) -> HTTPResponseHead? {
        guard let end = self.findResuming([0x0D, 0x0A, 0x0D, 0x0A]) else {
            if self.buffer.count - self.index > self.limits.maximumHeadBytes {
                throw HTTPClientError(.headersTooLarge)
            }
            if self.inputEnded {
                throw HTTPClientError(.connectionClosed, note: self.sawAnyByte ? "truncated head" : "no response")
            }
            return nil
        }
        guard end + 4 - self.index <= self.limits.maximumHeadBytes else { throw HTTPClientError(.headersTooLarge) }
        let lines = HTTPSyntax.lines(self.buffer[self.index..<end])
        self.index = end + 4
        guard let statusLine = lines.first else { throw HTTPClientError(.malformedResponse) }
        let (minor, status, reason) = try Self.statusLine(statusLine)
        guard lines.count - 1 <= self.limits.maximumHeaderCount else { throw HTTPClientError(.headersTooLarge) }
        var headers = HTTPHeaders()
        for line in lines.dropFirst() {
            headers.add(contentsOf: try Self.headerField(line))
        }
        return HTTPResponseHead(status: status, reason: reason, minorVersion: minor, headers: headers)
    }

    private mutating func chooseFraming(for head: HTTPResponseHead) throws(HTTPClientError) {
        let connection = head.headers.values(for: "Connection").flatMap { $0.split(separator: ",") }
            .map { $0.trimmingSpaces.lowercased() }
        var keepAlive = head.minorVersion == 1 ? !connection.contains("close") : connection.contains("keep-alive")
        let transferEncodings = head.headers.values(for: "Transfer-Encoding")
        let contentLengths = head.headers.values(for: "Content-Length")

        if self.isHeadRequest || head.status == 204 || head.status == 304 {
            self.state = .fixed(remaining: 0)
        } else if !transferEncodings.isEmpty {
            // RFC 9112 §6.3: both framings at once is how request smuggling starts; refuse rather than choose.
            guard contentLengths.isEmpty else {
                throw HTTPClientError(.malformedResponse, note: "Content-Length with Transfer-Encoding")
            }
            let codings = transferEncodings.flatMap { $0.split(separator: ",") }.map {
                $0.trimmingSpaces.lowercased()
            }
            if codings.last == "chunked" {
                self.state = .chunkSize
            } else {
                self.state = .untilClose
                keepAlive = false
            }
        } else if !contentLengths.isEmpty {
            let values = Set(
                contentLengths.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
                    .map { String($0.trimmingSpaces) })
            guard values.count == 1, let text = values.first, !text.isEmpty, text.count <= 18,
                text.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let length = Int64(text)
            else { throw HTTPClientError(.malformedResponse, note: "Content-Length") }
            self.state = .fixed(remaining: length)
        } else {
            self.state = .untilClose
            keepAlive = false
        }
        self.isReusable = keepAlive
    }

    private static func statusLine(_ line: ArraySlice<UInt8>) throws(HTTPClientError) -> (Int, Int, String) {
        // "HTTP/1.1 200 OK": version, space, three digits, then a space and a reason that may be empty.
        let bytes = Array(line)
        guard bytes.count >= 12, bytes.starts(with: Array("HTTP/1.".utf8)), bytes[7] == 0x30 || bytes[7] == 0x31,
            bytes[8] == 0x20, bytes[9...11].allSatisfy({ (0x30...0x39).contains($0) }),
            bytes.count == 12 || bytes[12] == 0x20
        else { throw HTTPClientError(.malformedResponse, note: "status line") }
        let status = bytes[9...11].reduce(0) { $0 * 10 + Int($1 - 0x30) }
        guard status >= 100 else { throw HTTPClientError(.malformedResponse, note: "status code") }
        let reason = bytes.count > 13 ? String(decoding: bytes[13...], as: UTF8.self) : ""
        return (Int(bytes[7] - 0x30), status, reason)
    }

    private static func headerField(_ line: ArraySlice<UInt8>) throws(HTTPClientError) -> (String, String) {
        guard let colon = line.firstIndex(of: 0x3A), colon > line.startIndex else {
            throw HTTPClientError(.malformedResponse, note: "header field")
        }
        let name = line[..<colon]
        // Token characters only: this refuses obsolete line folding and whitespace before the colon.
        guard name.allSatisfy(HTTPSyntax.isTokenByte) else {
            throw HTTPClientError(.malformedResponse, note: "header name")
        }
        let value = HTTPSyntax.trimmingWhitespace(line[(colon + 1)...])
        guard !value.contains(where: { $0 == 0x00 || $0 == 0x0D || $0 == 0x0A }) else {
            throw HTTPClientError(.malformedResponse, note: "header value")
        }
        return (String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
    }

    private static func chunkSize(_ line: ArraySlice<UInt8>) throws(HTTPClientError) -> Int64 {
        var digits = line
        if let semicolon = line.firstIndex(of: 0x3B) { digits = line[..<semicolon] }
        while let last = digits.last, last == 0x20 || last == 0x09 { digits = digits.dropLast() }
        // 15 hex digits stay below Int64.max; a longer size is an attack, not a file.
        guard !digits.isEmpty, digits.count <= 15 else { throw HTTPClientError(.invalidChunk, note: "chunk size") }
        var size: Int64 = 0
        for byte in digits {
            let value: UInt8
            switch byte {
            case 0x30...0x39: value = byte - 0x30
            case 0x41...0x46: value = byte - 0x41 + 10
            case 0x61...0x66: value = byte - 0x61 + 10
            default: throw HTTPClientError(.invalidChunk, note: "chunk size")
            }
            size = size * 16 + Int64(value)
        }
        return size
    }

    /// The next CRLF-terminated line without its CRLF, or nil when it is not complete yet.
    private mutating func line(limit: Int, code: HTTPClientError.Code) throws(HTTPClientError) -> ArraySlice<UInt8>? {
        guard let end = self.findResuming([0x0D, 0x0A]) else {
            if self.buffer.count - self.index > limit { throw HTTPClientError(code) }
            if self.inputEnded { throw HTTPClientError(.connectionClosed, note: "truncated body") }
            return nil
        }
        guard end - self.index <= limit else { throw HTTPClientError(code) }
        let line = self.buffer[self.index..<end]
        self.index = end + 2
        return line
    }

    /// Finds `needle` after `index`, skipping what earlier calls already searched; resets on success.
    private mutating func findResuming(_ needle: [UInt8]) -> Int? {
        let start = self.index + max(0, self.scanned - (needle.count - 1))
        guard let found = HTTPSyntax.find(needle, in: self.buffer, from: start) else {
            self.scanned = self.buffer.count - self.index
            return nil
        }
        self.scanned = 0
        return found
    }
}

extension HTTPHeaders {
    fileprivate mutating func add(contentsOf field: (String, String)) { self.add(field.0, field.1) }
}
