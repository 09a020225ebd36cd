import Transport

/// What a room connection may be sent of the room's live events while it replays what it missed: held until the
/// replay is out, then only what the replay did not already contain. No I/O; the hub asks it from whatever thread
/// publishes (under the session's lock).
struct ReplayGate {
    enum Decision: Equatable {
        /// Write the frame to the connection now.
        case send
        /// Kept until the replay is out.
        case held
        /// Not for this connection (closed, or already sent by the replay).
        case drop
        /// More held than a replay can justify: the connection is closed with 1013 and resumes later.
        case overflow
    }

    private struct Held {
        var frame: OutboundFrame
        var sequence: Int64?
    }

    private enum State {
        case replaying([Held])
        /// Messages up to `synced` went out with the replay; later ones go out as they come.
        case live(synced: Int64)
        case closed
    }

    /// A busy room can publish thousands of events while a replay is read; past this many the client is better
    /// served by reconnecting.
    static let maximumHeld = 10_000

    private var state = State.replaying([])

    /// A live event's frame; `sequence` is set for new messages, which the replay may already have sent.
    mutating func offer(_ frame: OutboundFrame, sequence: Int64?) -> Decision {
        switch self.state {
        case .replaying(var held):
            guard held.count < Self.maximumHeld else {
                self.state = .closed
                return .overflow
            }
            held.append(Held(frame: frame, sequence: sequence))
            self.state = .replaying(held)
            return .held
        case .live(let synced):
            if let sequence, sequence <= synced { return .drop }
            return .send
        case .closed:
            return .drop
        }
    }

    /// The replay is out up to `synced`: the held frames it did not cover, in the order they came.
    mutating func open(synced: Int64) -> [OutboundFrame] {
        guard case .replaying(let held) = self.state else { return [] }
        self.state = .live(synced: synced)
        return held.filter { $0.sequence.map { $0 > synced } ?? true }.map(\.frame)
    }

    mutating func close() {
        self.state = .closed
    }
}
