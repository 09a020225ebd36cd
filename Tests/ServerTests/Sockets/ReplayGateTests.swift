import Testing
import Transport

@testable import Server

/// What a connection is sent of the live events while it replays what it missed.
struct ReplayGateTests {
    static func frame(_ text: String) -> OutboundFrame { .text(text) }

    @Test func holdsLiveEventsDuringTheReplayAndSendsOnlyWhatItDidNotCover() {
        var gate = ReplayGate()
        #expect(gate.offer(Self.frame("m5"), sequence: 5) == .held)
        #expect(gate.offer(Self.frame("typing"), sequence: nil) == .held)
        #expect(gate.offer(Self.frame("m7"), sequence: 7) == .held)
        // The replay went up to 6: message 5 was in it, the typing event and message 7 were not.
        let released = gate.open(synced: 6)
        #expect(released.map(\.storage.bytes) == [Self.frame("typing"), Self.frame("m7")].map(\.storage.bytes))
        #expect(gate.offer(Self.frame("m6 again"), sequence: 6) == .drop)
        #expect(gate.offer(Self.frame("m8"), sequence: 8) == .send)
    }

    @Test func aClosedGateSendsNothing() {
        var gate = ReplayGate()
        _ = gate.open(synced: 0)
        gate.close()
        #expect(gate.offer(Self.frame("m1"), sequence: 1) == .drop)
        #expect(gate.open(synced: 1).isEmpty)
    }

    @Test func tooManyEventsDuringAReplayOverflow() {
        var gate = ReplayGate()
        for index in 0..<ReplayGate.maximumHeld {
            #expect(gate.offer(Self.frame("e"), sequence: Int64(index)) == .held)
        }
        #expect(gate.offer(Self.frame("one more"), sequence: nil) == .overflow)
        #expect(gate.offer(Self.frame("after"), sequence: nil) == .drop)
    }
}
