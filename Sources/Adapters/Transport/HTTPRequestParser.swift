import HTTPCore
/// An incremental HTTP/1.1 request parser (RFC 9112) with no I/O: feed bytes, pull events.
///
/// It is strict where leniency enables request smuggling or header injection: only CRLF ends a line (a bare CR or
/// LF is refused), obs-fold and whitespace before the colon are refused, control characters in values are refused,
/// both Content-Length and Transfer-Encoding, or differing Content-Lengths, are refused, and chunk sizes must be
/// plain hex that fits. The head is limited to 16 384 bytes (431) and 100 fields.
package struct HTTPRequestParser: Sendable {
    /// What the parser found.
    package enum Event: Sendable {
        case head(HTTPRequestHead)
        case body([UInt8])
        case end
    }

    /// Request line plus headers, including the final empty line (API.md's precise rules).
    package static let maxHeadSize = 16384
    static let maxHeaderCount = 100
    private static let maxChunkLine = 1024

    private enum State: Sendable {
        case head(scanned: Int)
        case lengthBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers(size: Int)
        case end
        case failed(HTTPParseError)
    }

    private var buffer: [UInt8] = []
    private var index = 0
    private var state = State.head(scanned: 0)

    /// A parser waiting for the first request.
    package init() {}

    /// Bytes received and not yet parsed.
    package var bufferedCount: Int { self.buffer.count - self.index }

    /// True between requests: no partial request is buffered.
    package var isBetweenRequests: Bool {
        guard case .head = self.state else { return false }
        return self.bufferedCount == 0
    }

    /// True while a request head is incomplete.
    package var isReadingHead: Bool {
        guard case .head = self.state else { return false }
        return true
    }

    /// Appends received bytes.
    package mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if self.index > 0 && self.index == self.buffer.count {
            self.buffer.removeAll(keepingCapacity: self.buffer.capacity <= 4096)
            self.index = 0
        } else if self.index > 4096 {
            // `scanned` counts from `index`, so it survives the compaction unchanged.
            self.buffer.removeFirst(self.index)
            self.index = 0
        }
        self.buffer.append(contentsOf: bytes)
    }

    /// Appends received bytes.
    package mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { self.append($0) }
    }

    /// Hands over the unparsed bytes (after an upgrade they belong to the new protocol).
    package mutating func takeRemaining() -> [UInt8] {
        defer {
            self.buffer = []
            self.index = 0
        }
        return Array(self.buffer[self.index...])
    }

    /// The next event, nil when more bytes are needed. After an error the parser stays failed.
    package mutating func next() throws(HTTPParseError) -> Event? {
        do {
            return try self.step()
        } catch {
            self.state = .failed(error)
            throw error
        }
    }

    private mutating func step() throws(HTTPParseError) -> Event? {
        switch self.state {
        case .failed(let error):
            throw error
        case .head(let scanned):
            return try self.parseHead(scanned: scanned)
        case .lengthBody(let remaining):
            let take = min(remaining, self.bufferedCount)
            guard take > 0 else { return nil }
            let chunk = Array(self.buffer[self.index..<(self.index + take)])
            self.index += take
            self.state = remaining == take ? .end : .lengthBody(remaining: remaining - take)
            return .body(chunk)
        case .chunkSize:
            return try self.parseChunkSize()
        case .chunkData(let remaining):
            let take = min(remaining, self.bufferedCount)
            guard take > 0 else { return nil }
            let chunk = Array(self.buffer[self.index..<(self.index + take)])
            self.index += take
            self.state = remaining == take ? .chunkDataEnd : .chunkData(remaining: remaining - take)
            return .body(chunk)
        case .chunkDataEnd:
            guard self.bufferedCount >= 2 else { return nil }
            guard self.buffer[self.index] == 13 && self.buffer[self.index + 1] == 10 else {
                throw .bad("chunk data not followed by CRLF")
            }
            self.index += 2
            self.state = .chunkSize
            return try self.step()
        case .trailers(let size):
            return try self.parseTrailers(size: size)
        case .end:
            self.state = .head(scanned: 0)
            return .end
        }
    }

    // MARK: - Head

    private mutating func parseHead(scanned: Int) throws(HTTPParseError) -> Event? {
        // RFC 9112 §2.2: ignore empty lines before the request line (some clients send CRLF after a POST body).
        var skipped = 0
        while self.bufferedCount >= 2 && self.buffer[self.index] == 13 && self.buffer[self.index + 1] == 10
            && skipped < 8
        {
            self.index += 2
            skipped += 1
        }
        let available = self.bufferedCount
        guard available >= 4 else { return nil }
        var end: Int?
        self.buffer.withUnsafeBufferPointer { p in
            var i = self.index + max(0, scanned - 3)
            let limit = self.buffer.count - 3
            while i < limit {
                if p[i] == 13 && p[i + 1] == 10 && p[i + 2] == 13 && p[i + 3] == 10 {
                    end = i
                    return
                }
                i += 1
            }
        }
        guard let end else {
            if available > Self.maxHeadSize { throw .headersTooLarge }
            self.state = .head(scanned: available)
            return nil
        }
        let headLength = end + 4 - self.index
        guard headLength <= Self.maxHeadSize else { throw .headersTooLarge }
        let head = try Self.parseHead(self.buffer[self.index..<end])
        self.index += headLength
        switch head.framing {
        case .none, .length(0): self.state = .end
        case .length(let n): self.state = .lengthBody(remaining: n)
        case .chunked: self.state = .chunkSize
        }
        return .head(head)
    }

    static func parseHead(_ bytes: ArraySlice<UInt8>) throws(HTTPParseError) -> HTTPRequestHead {
        // Split on CRLF, refusing a CR or LF anywhere else: a bare one is how header injection and smuggling start.
        var lines: [ArraySlice<UInt8>] = []
        var start = bytes.startIndex
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let c = bytes[i]
            if c == 13 {
                guard i + 1 < bytes.endIndex, bytes[i + 1] == 10 else { throw .bad("bare CR in the request head") }
                lines.append(bytes[start..<i])
                i += 2
                start = i
                continue
            }
            if c == 10 { throw .bad("bare LF in the request head") }
            i += 1
        }
        lines.append(bytes[start..<bytes.endIndex])

        // Request line: method SP request-target SP HTTP-version.
        let requestLine = lines[0]
        let parts = requestLine.split(separator: 32, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else { throw .bad("malformed request line") }
        guard parts[0].allSatisfy(HTTPSyntax.isTokenByte) else { throw .bad("malformed method") }
        guard parts[1].allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { throw .bad("malformed request target") }
        let versionText = parts[2]
        guard versionText.count == 8, versionText.starts(with: Array("HTTP/".utf8)),
            versionText[versionText.startIndex + 6] == UInt8(ascii: "."),
            let major = Self.digit(versionText[versionText.startIndex + 5]),
            let minor = Self.digit(versionText[versionText.startIndex + 7])
        else { throw .bad("malformed HTTP version") }
        guard major == 1 else {
            throw HTTPParseError(status: 505, code: "http_version_not_supported", message: "only HTTP/1.x is served")
        }
        let method = HTTPMethod(rawValue: String(decoding: parts[0], as: UTF8.self))
        let target = String(decoding: parts[1], as: UTF8.self)
        guard
            target.hasPrefix("/") || (target == "*" && method == .options) || target.hasPrefix("http://")
                || target.hasPrefix("https://")
        else { throw .bad("malformed request target") }

        // Header fields.
        guard lines.count - 1 <= Self.maxHeaderCount else {
            throw HTTPParseError(
                status: 431,
                code: "request_header_fields_too_large",
                message: "more than 100 header fields"
            )
        }
        var headers = HTTPHeaders()
        for line in lines.dropFirst() {
            guard let first = line.first else { throw .bad("empty header line") }
            guard first != 32 && first != 9 else { throw .bad("obsolete line folding") }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { throw .bad("header without a colon") }
            let name = line[line.startIndex..<colon]
            guard !name.isEmpty, name.allSatisfy(HTTPSyntax.isTokenByte) else { throw .bad("malformed header name") }
            var value = line[(colon + 1)...]
            while let f = value.first, f == 32 || f == 9 { value = value.dropFirst() }
            while let l = value.last, l == 32 || l == 9 { value = value.dropLast() }
            // RFC 9110 §5.5: field values are VCHAR, obs-text, SP and HTAB; NUL and other controls are refused.
            guard value.allSatisfy({ $0 >= 0x20 && $0 != 0x7F || $0 == 9 }) else {
                throw .bad("control character in a header value")
            }
            headers.add(String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
        }

        // Framing (RFC 9112 §6.3), refusing every ambiguous shape.
        let transferEncodings = headers.values(for: "Transfer-Encoding")
        let contentLengths = headers.values(for: "Content-Length")
        var framing = HTTPRequestHead.Framing.none
        if !transferEncodings.isEmpty {
            guard contentLengths.isEmpty else { throw .bad("both Content-Length and Transfer-Encoding") }
            guard minor >= 1 else { throw .bad("Transfer-Encoding in an HTTP/1.0 request") }
            let codings = transferEncodings.flatMap { $0.split(separator: ",") }.map {
                String($0.trimmingSpaces).lowercased()
            }
            let chunkedCount = codings.filter { $0 == "chunked" }.count
            if codings.last == "chunked" && chunkedCount == 1 && codings.count == 1 {
                framing = .chunked
            } else if chunkedCount > 1 || (chunkedCount == 1 && codings.last != "chunked") || codings.contains("") {
                throw .bad("malformed Transfer-Encoding")
            } else {
                throw HTTPParseError(
                    status: 501,
                    code: "not_implemented",
                    message: "only the chunked transfer coding is supported"
                )
            }
        } else if !contentLengths.isEmpty {
            var length: Int?
            for field in contentLengths {
                for item in field.split(separator: ",", omittingEmptySubsequences: false) {
                    let text = item.trimmingSpaces
                    guard !text.isEmpty, text.count <= 15, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                        let n = Int(text)
                    else { throw .bad("malformed Content-Length") }
                    if let length, length != n { throw .bad("conflicting Content-Length values") }
                    length = n
                }
            }
            framing = .length(length ?? 0)
        }
        if minor >= 1 {
            guard headers.values(for: "Host").count == 1 else { throw .bad("HTTP/1.1 needs exactly one Host header") }
        }
        let keepAlive =
            minor >= 1
            ? !headers.containsToken("close", in: "Connection")
            : headers.containsToken("keep-alive", in: "Connection")
        let expectsContinue = headers["Expect"].map { HTTPHeaders.equalsIgnoringCase($0, "100-continue") } ?? false
        return HTTPRequestHead(
            method: method,
            target: target,
            versionMinor: minor,
            headers: headers,
            framing: framing,
            keepAlive: keepAlive,
            expectsContinue: expectsContinue
        )
    }

    private static func digit(_ c: UInt8) -> Int? {
        c >= 48 && c <= 57 ? Int(c - 48) : nil
    }

    // MARK: - Chunked bodies

    private mutating func lineEnd() throws(HTTPParseError) -> Int? {
        var i = self.index
        while i + 1 < self.buffer.count {
            if self.buffer[i] == 13 {
                guard self.buffer[i + 1] == 10 else { throw .bad("bare CR in chunked framing") }
                return i
            }
            if self.buffer[i] == 10 { throw .bad("bare LF in chunked framing") }
            i += 1
        }
        return nil
    }

    private mutating func parseChunkSize() throws(HTTPParseError) -> Event? {
        guard let end = try self.lineEnd() else {
            if self.bufferedCount > Self.maxChunkLine { throw .bad("chunk size line too long") }
            return nil
        }
        guard end - self.index <= Self.maxChunkLine else { throw .bad("chunk size line too long") }
        var size = 0
        var digits = 0
        var i = self.index
        while i < end, let v = Self.hexValue(self.buffer[i]) {
            guard digits < 15 else { throw .bad("chunk size too large") }
            size = size << 4 | v
            digits += 1
            i += 1
        }
        guard digits > 0 else { throw .bad("malformed chunk size") }
        // Only chunk extensions may follow the size (RFC 9112 §7.1.1); they are ignored.
        while i < end, self.buffer[i] == 32 || self.buffer[i] == 9 { i += 1 }
        guard i == end || self.buffer[i] == UInt8(ascii: ";") else { throw .bad("malformed chunk size") }
        self.index = end + 2
        self.state = size == 0 ? .trailers(size: 0) : .chunkData(remaining: size)
        return try self.step()
    }

    private mutating func parseTrailers(size: Int) throws(HTTPParseError) -> Event? {
        var size = size
        while true {
            guard let end = try self.lineEnd() else {
                if size + self.bufferedCount > Self.maxHeadSize { throw .headersTooLarge }
                self.state = .trailers(size: size)
                return nil
            }
            let length = end - self.index
            self.index = end + 2
            if length == 0 {
                self.state = .head(scanned: 0)
                return .end
            }
            size += length + 2
            guard size <= Self.maxHeadSize else { throw .headersTooLarge }
        }
    }

    private static func hexValue(_ c: UInt8) -> Int? {
        switch c {
        case 48...57: Int(c - 48)
        case 65...70: Int(c - 55)
        case 97...102: Int(c - 87)
        default: nil
        }
    }
}
