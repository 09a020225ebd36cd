/// Per-client-loop counters; touched only on that loop's thread (the client's `onMessage` runs there).
final class Recorder: @unchecked Sendable {
    var histogram = LatencyHistogram()
    var delivered = 0
    var windowStart: UInt64 = .max
    var windowEnd: UInt64 = .max
    var otherFrames = 0

    /// Finds `bench|sender|sentNanos|seq|` in any text frame, so the same tool reads the room endpoint's
    /// `{"type":"message","message":{...,"content":"bench|..."}}` as well as the bench endpoint's echo.
    func received(_ text: String, now: UInt64) {
        var utf8 = text.utf8[...]
        guard let marker = Self.find(Self.marker, in: utf8) else {
            self.otherFrames += 1
            return
        }
        utf8 = utf8[marker...].dropFirst(Self.marker.count)
        var fields: [UInt64] = []
        var value: UInt64 = 0
        for byte in utf8 {
            if byte == UInt8(ascii: "|") {
                fields.append(value)
                value = 0
                if fields.count == 3 { break }
            } else if byte >= 48 && byte <= 57 {
                value = value &* 10 &+ UInt64(byte - 48)
            } else {
                break
            }
        }
        guard fields.count == 3 else { return }
        let sent = fields[1]
        guard sent >= self.windowStart && sent < self.windowEnd else { return }
        self.delivered += 1
        self.histogram.record(microseconds: now > sent ? (now - sent) / 1000 : 0)
    }

    static let marker = Array("bench|".utf8)

    private static func find(_ needle: [UInt8], in haystack: Substring.UTF8View) -> Substring.UTF8View.Index? {
        var i = haystack.startIndex
        while i < haystack.endIndex {
            if haystack[i] == needle[0] {
                var j = i
                var k = 0
                while k < needle.count && j < haystack.endIndex && haystack[j] == needle[k] {
                    j = haystack.index(after: j)
                    k += 1
                }
                if k == needle.count { return i }
            }
            i = haystack.index(after: i)
        }
        return nil
    }
}
