import Domain

/// A streaming multipart/form-data decoder (RFC 7578 over RFC 2046) with no I/O: append bytes as they arrive,
/// in chunks of any size, and pull events: a part's head, pieces of its body, its end, and the end of the form.
///
/// Only CRLF `--boundary` followed by `--` or by optional spaces and CRLF ends a part; the boundary text anywhere
/// else (at the start of a line without the CRLF before it, or followed by other characters) is content. Body
/// pieces are handed out as they are found, holding back only the bytes that could start a delimiter, so memory
/// stays bounded by the chunk size plus the header limit whatever the size of a part.
package struct MultipartParser {
    package struct Limits: Hashable, Sendable {
        /// The header block of one part.
        package var maximumHeaderBytes: Int
        package var maximumParts: Int
        /// The whole body as received, delimiters and headers included.
        package var maximumTotalBytes: Int64

        package init(maximumHeaderBytes: Int = 8 * 1024, maximumParts: Int = 16, maximumTotalBytes: Int64) {
            self.maximumHeaderBytes = maximumHeaderBytes
            self.maximumParts = maximumParts
            self.maximumTotalBytes = maximumTotalBytes
        }
    }

    package enum Event: Hashable, Sendable {
        case partBegin(MultipartPartHead)
        /// Valid until the next call to `append` or `next`.
        case body(ArraySlice<UInt8>)
        case partEnd
        /// The closing delimiter was seen; anything after it (the epilogue) is ignored.
        case end
    }

    private enum State {
        /// Before the first delimiter: skipped.
        case preamble
        case afterDelimiter(inPart: Bool)
        case headers
        case body
        case epilogue
        case done
    }

    private let limits: Limits
    /// CRLF `--` boundary.
    private let delimiter: [UInt8]
    private var state: State = .preamble
    private var buffer: [UInt8]
    private var index = 0
    private var received: Int64 = 0
    private var parts = 0
    private var inputEnded = false

    /// - Parameter boundary: the `boundary` parameter of the Content-Type (see `boundary(fromContentType:)`).
    package init(boundary: String, limits: Limits) {
        self.limits = limits
        self.delimiter = [0x0D, 0x0A, 0x2D, 0x2D] + Array(boundary.utf8)
        // The first delimiter may open the body without a CRLF before it (RFC 2046 §5.1.1): pretend there was one.
        self.buffer = [0x0D, 0x0A]
    }

    // MARK: - Input

    package mutating func append(_ bytes: some Collection<UInt8>) throws(MultipartError) {
        self.received += Int64(bytes.count)
        guard self.received <= self.limits.maximumTotalBytes else {
            throw .tooLarge(limit: self.limits.maximumTotalBytes)
        }
        if self.index == self.buffer.count {
            self.buffer.removeAll(keepingCapacity: true)
            self.index = 0
        } else if self.index > 0 {
            self.buffer.removeFirst(self.index)
            self.index = 0
        }
        self.buffer.append(contentsOf: bytes)
    }

    /// No more input will come.
    package mutating func finish() { self.inputEnded = true }

    // MARK: - Events

    /// The next event, or nil when more input is needed (or after `.end`).
    package mutating func next() throws(MultipartError) -> Event? {
        while true {
            switch self.state {
            case .preamble:
                guard let found = self.findDelimiter() else {
                    self.discardKeepingPossibleDelimiter()
                    if self.inputEnded { throw .malformed("no multipart delimiter") }
                    return nil
                }
                self.index = found
                self.state = .afterDelimiter(inPart: false)
            case .afterDelimiter(let inPart):
                switch self.classifyDelimiter(at: self.index) {
                case .needMore:
                    if self.inputEnded { throw .truncated }
                    return nil
                case .notDelimiter:
                    // Boundary text followed by other characters: content (or preamble), not a delimiter.
                    let end = self.index + self.delimiter.count
                    if inPart {
                        let slice = self.buffer[self.index..<end]
                        self.index = end
                        self.state = .body
                        return .body(slice)
                    }
                    self.index = end
                    self.state = .preamble
                case .close(let after):
                    self.index = after
                    self.state = .epilogue
                    if inPart { return .partEnd }
                // A closing delimiter with no part before it: an empty form.
                case .open(let after):
                    self.index = after
                    self.state = .headers
                    if inPart { return .partEnd }
                }
            case .headers:
                guard let head = try self.parseHeaders() else {
                    if self.inputEnded { throw .truncated }
                    return nil
                }
                self.parts += 1
                guard self.parts <= self.limits.maximumParts else {
                    throw .tooManyParts(limit: self.limits.maximumParts)
                }
                self.state = .body
                return .partBegin(head)
            case .body:
                if let found = self.findDelimiter() {
                    if found > self.index {
                        let slice = self.buffer[self.index..<found]
                        self.index = found
                        return .body(slice)
                    }
                    self.state = .afterDelimiter(inPart: true)
                    continue
                }
                // Hold back what could be the start of a delimiter split across chunks.
                let safeEnd = max(self.index, self.buffer.count - (self.delimiter.count - 1))
                if safeEnd > self.index {
                    let slice = self.buffer[self.index..<safeEnd]
                    self.index = safeEnd
                    return .body(slice)
                }
                if self.inputEnded { throw .truncated }
                return nil
            case .epilogue:
                self.index = self.buffer.count
                self.state = .done
                return .end
            case .done:
                self.index = self.buffer.count
                return nil
            }
        }
    }

    // MARK: - Delimiters

    private enum DelimiterKind {
        case needMore
        case notDelimiter
        /// `--boundary--`: the form ends; `after` is past the dashes.
        case close(after: Int)
        /// `--boundary`, optional spaces, CRLF: a part follows at `after`.
        case open(after: Int)
    }

    private func classifyDelimiter(at start: Int) -> DelimiterKind {
        var position = start + self.delimiter.count
        guard position + 2 <= self.buffer.count else { return .needMore }
        if self.buffer[position] == 0x2D, self.buffer[position + 1] == 0x2D { return .close(after: position + 2) }
        // Transport padding (RFC 2046 §5.1.1): spaces and tabs before the CRLF; bounded so it cannot grow forever.
        var padding = 0
        while position < self.buffer.count, self.buffer[position] == 0x20 || self.buffer[position] == 0x09 {
            position += 1
            padding += 1
            if padding > 64 { return .notDelimiter }
        }
        guard position + 2 <= self.buffer.count else { return .needMore }
        if self.buffer[position] == 0x0D, self.buffer[position + 1] == 0x0A { return .open(after: position + 2) }
        return .notDelimiter
    }

    /// The position of the next full delimiter at or after `index`.
    private func findDelimiter() -> Int? {
        let count = self.buffer.count
        let length = self.delimiter.count
        guard count - self.index >= length else { return nil }
        return self.buffer.withUnsafeBufferPointer { bytes -> Int? in
            self.delimiter.withUnsafeBufferPointer { needle -> Int? in
                var i = self.index
                let last = count - length
                while i <= last {
                    if bytes[i] == 0x0D, bytes[i + 1] == 0x0A {
                        var j = 2
                        while j < length, bytes[i + j] == needle[j] { j += 1 }
                        if j == length { return i }
                    }
                    i += 1
                }
                return nil
            }
        }
    }

    private mutating func discardKeepingPossibleDelimiter() {
        self.index = max(self.index, self.buffer.count - (self.delimiter.count - 1))
    }

    // MARK: - Headers

    private mutating func parseHeaders() throws(MultipartError) -> MultipartPartHead? {
        let available = self.buffer.count - self.index
        // A part without header fields starts with its empty line.
        if available >= 2, self.buffer[self.index] == 0x0D, self.buffer[self.index + 1] == 0x0A {
            self.index += 2
            return MultipartPartHead(fields: [])
        }
        guard let end = MultipartBytes.find([0x0D, 0x0A, 0x0D, 0x0A], in: self.buffer, from: self.index) else {
            if available > self.limits.maximumHeaderBytes {
                throw .headersTooLarge(limit: self.limits.maximumHeaderBytes)
            }
            return nil
        }
        guard end + 4 - self.index <= self.limits.maximumHeaderBytes else {
            throw .headersTooLarge(limit: self.limits.maximumHeaderBytes)
        }
        var fields: [(String, String)] = []
        for line in MultipartBytes.lines(self.buffer[self.index..<end]) {
            if let first = line.first, first == 0x20 || first == 0x09 {
                // Obsolete folding (RFC 5322): the line continues the previous field.
                guard let last = fields.popLast() else { throw .malformed("part header continuation without a field") }
                fields.append((last.0, last.1 + " " + MultipartBytes.trimmed(line)))
                continue
            }
            guard let colon = line.firstIndex(of: 0x3A), colon > line.startIndex else {
                throw .malformed("part header without a colon")
            }
            let name = String(decoding: line[..<colon], as: UTF8.self)
            guard !name.contains(where: { $0 == " " || $0 == "\t" }) else { throw .malformed("part header name") }
            fields.append((name, MultipartBytes.trimmed(line[(colon + 1)...])))
        }
        self.index = end + 4
        return MultipartPartHead(fields: fields)
    }

    // MARK: - Content-Type

    /// The boundary of a `multipart/form-data` Content-Type, quoted or not (RFC 2046: 1-70 characters).
    package static func boundary(fromContentType contentType: String) throws(MultipartError) -> String {
        let parts = MultipartPartHead.parameters(contentType)
        guard parts.value.lowercased() == "multipart/form-data" else { throw .missingBoundary }
        guard let boundary = parts.parameters.first(where: { $0.0 == "boundary" })?.1 else { throw .missingBoundary }
        let allowed = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? ".utf8)
        guard (1...70).contains(boundary.utf8.count), boundary.utf8.allSatisfy({ allowed.contains($0) }),
            !boundary.hasSuffix(" ")
        else { throw .missingBoundary }
        return boundary
    }
}
