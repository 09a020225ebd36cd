internal import CLinuxShim

/// What one open connection holds at a moment: for tests, diagnostics and the soak benchmark, which check that
/// a hostile peer cannot make the server hold more than its bounds.
package struct ConnectionSnapshot: Sendable, Equatable {
    /// True after a WebSocket upgrade.
    package var isWebSocket: Bool
    /// Bytes queued for the peer and not yet written.
    package var queuedBytes: Int
    /// Buffers queued for the peer (frames, response parts).
    package var queuedItems: Int
    /// Whether the server is reading the peer's input now (false while it waits for its output to drain, for a
    /// handler, or for the application).
    package var isReading: Bool
}

extension HTTPServer {
    /// A snapshot of every open connection on every loop.
    package func connectionSnapshots() async -> [ConnectionSnapshot] {
        var snapshots: [ConnectionSnapshot] = []
        for loop in self.loops {
            snapshots += await withCheckedContinuation { continuation in
                loop.execute {
                    continuation.resume(
                        returning: loop.registeredHandlers.compactMap { ($0 as? Connection)?.snapshot })
                }
            }
        }
        return snapshots
    }
}

extension Connection {
    var snapshot: ConnectionSnapshot {
        ConnectionSnapshot(
            isWebSocket: self.phase == .webSocket, queuedBytes: self.out.bytes, queuedItems: self.out.count,
            isReading: self.registeredEvents & shim_epollin() != 0)
    }
}
