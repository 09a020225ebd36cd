/// Writes a streamed response body; each `write` becomes one chunk.
///
/// `write` returns once the chunk is queued and the connection's unsent output is below 256 KiB, so a producer
/// cannot outrun a slow client. It throws when the client has gone.
package final class ResponseBodyWriter: Sendable {
    private let loop: EventLoop
    private let connection: LoopBound<Connection>

    init(loop: EventLoop, connection: LoopBound<Connection>) {
        self.loop = loop
        self.connection = connection
    }

    /// Sends `bytes` as one chunk (an empty write sends nothing).
    package func write(_ bytes: [UInt8]) async throws {
        guard !bytes.isEmpty else { return }
        let connection = self.connection
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            self.loop.execute { connection.value.writeChunk(bytes, continuation: continuation) }
        }
    }

    /// Sends a string's UTF-8 as one chunk.
    package func write(_ text: String) async throws {
        try await self.write(Array(text.utf8))
    }
}

/// The client went away while a streamed body was being written.
package struct ConnectionClosedError: Error, CustomStringConvertible {
    /// The error.
    package init() {}
    /// A fixed text.
    package var description: String { "the connection was closed" }
}
