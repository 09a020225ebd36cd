/// Per-client-loop counters; touched only on that loop's thread (the client's `onMessage` runs there).
final class Recorder: @unchecked Sendable {
    var histogram = LatencyHistogram()
    var delivered = 0
    var windowStart: UInt64 = .max
    var windowEnd: UInt64 = .max
    var otherFrames = 0

    /// Finds `bench|sender|sentNanos|seq|` in any text frame, so the same tool reads the room endpoint's
    /// `{"type":"message","message":{...,"content":"bench|..."}}` as well as the bench endpoint's echo.
    func received(_ bytes: [UInt8], now: UInt64) {
        let sent: UInt64? = bytes.withUnsafeBufferPointer { p -> UInt64? in
            let count = p.count
            let marker = Self.marker
            var i = 0
            // Find "bench|".
            search: while i + marker.count <= count {
                if p[i] == marker[0] {
                    for k in 1..<marker.count where p[i + k] != marker[k] {
                        i += 1
                        continue search
                    }
                    break search
                }
                i += 1
            }
            guard i + marker.count <= count else { return nil }
            i += marker.count
            var fields = 0
            var value: UInt64 = 0
            while i < count {
                let byte = p[i]
                i += 1
                if byte == UInt8(ascii: "|") {
                    fields += 1
                    if fields == 2 { return value }
                    value = 0
                } else if byte >= 48 && byte <= 57 {
                    value = value &* 10 &+ UInt64(byte - 48)
                } else {
                    return nil
                }
            }
            return nil
        }
        guard let sent else {
            self.otherFrames += 1
            return
        }
        guard sent >= self.windowStart && sent < self.windowEnd else { return }
        self.delivered += 1
        self.histogram.record(microseconds: now > sent ? (now - sent) / 1000 : 0)
    }

    static let marker = Array("bench|".utf8)
}
