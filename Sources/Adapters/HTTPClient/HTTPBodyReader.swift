/// Pulls the body of one response from its connection, chunk by chunk, on the request's I/O thread.
///
/// Handed to the response handler of `HTTPClient.execute(_:handler:)`; it is only valid during that call.
package final class HTTPBodyReader {
    let connection: HTTPConnection
    private var parser: HTTPResponseParser
    private let readTimeout: Duration
    private let cancellation: HTTPCancellation
    private let chunkSize: Int
    /// Whether the body has been read to its end (the connection may then be reused).
    package private(set) var isComplete = false

    init(
        connection: HTTPConnection, isHeadRequest: Bool, readTimeout: Duration, chunkSize: Int,
        cancellation: HTTPCancellation
    ) {
        self.connection = connection
        self.parser = HTTPResponseParser(isHeadRequest: isHeadRequest)
        self.readTimeout = readTimeout
        self.chunkSize = chunkSize
        self.cancellation = cancellation
    }

    var sawAnyByte: Bool { self.parser.sawAnyByte }

    /// Whether the connection can carry another request now.
    var isReusable: Bool { self.isComplete && self.parser.isReusable && !self.parser.hasExtraBytes }

    func readHead() throws(HTTPClientError) -> HTTPResponseHead {
        while true {
            switch try self.nextEvent() {
            case .head(let head): return head
            case .body, .end: throw HTTPClientError(.malformedResponse)
            }
        }
    }

    /// The next piece of the body, or nil at its end. Slices are valid until the next call.
    package func next() throws(HTTPClientError) -> ArraySlice<UInt8>? {
        guard !self.isComplete else { return nil }
        switch try self.nextEvent() {
        case .body(let bytes): return bytes
        case .end:
            self.isComplete = true
            return nil
        case .head: throw HTTPClientError(.malformedResponse)
        }
    }

    /// The rest of the body in memory; `bodyTooLarge` beyond `maximumBytes`.
    package func collect(maximumBytes: Int) throws(HTTPClientError) -> [UInt8] {
        var body: [UInt8] = []
        while let piece = try self.next() {
            guard body.count + piece.count <= maximumBytes else { throw HTTPClientError(.bodyTooLarge) }
            body.append(contentsOf: piece)
        }
        return body
    }

    /// Reads what is left of a body the handler did not want, up to a small limit, so the connection can be reused.
    func drain(maximumBytes: Int) {
        var drained = 0
        do {
            while drained <= maximumBytes, let piece = try self.next() { drained += piece.count }
        } catch {
            return
        }
    }

    private func nextEvent() throws(HTTPClientError) -> HTTPResponseParser.Event {
        while true {
            if let event = try self.parser.next() { return event }
            let deadline = ContinuousClock.now.advanced(by: self.readTimeout)
            let chunk = try [UInt8](unsafeUninitializedCapacity: self.chunkSize) {
                buffer, count throws(HTTPClientError) in
                count = try self.connection.read(
                    into: UnsafeMutableRawBufferPointer(buffer), until: deadline, cancellation: self.cancellation)
            }
            if chunk.isEmpty { self.parser.endOfInput() } else { self.parser.append(chunk) }
        }
    }
}

@available(*, unavailable)
extension HTTPBodyReader: Sendable {}
