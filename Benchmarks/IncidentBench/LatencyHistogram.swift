/// Log-linear latency histogram in microseconds: exact below 1024 µs, then 512 sub-buckets per power of two
/// (0.2 % precision), so recording is O(1) and memory is fixed whatever the run length.
struct LatencyHistogram {
    private var counts = [Int](repeating: 0, count: 1024 + 40 * 512)
    private(set) var total = 0
    private(set) var max: UInt64 = 0

    mutating func record(microseconds v: UInt64) {
        self.counts[Self.bucket(v)] += 1
        self.total += 1
        if v > self.max { self.max = v }
    }

    mutating func merge(_ other: LatencyHistogram) {
        for i in 0..<self.counts.count { self.counts[i] += other.counts[i] }
        self.total += other.total
        self.max = Swift.max(self.max, other.max)
    }

    /// The value at quantile `q` (0...1), in microseconds.
    func percentile(_ q: Double) -> UInt64 {
        guard self.total > 0 else { return 0 }
        let rank = Swift.max(1, Int((q * Double(self.total)).rounded(.up)))
        var seen = 0
        for (i, c) in self.counts.enumerated() where c > 0 {
            seen += c
            if seen >= rank { return Swift.min(Self.value(i), self.max) }
        }
        return self.max
    }

    private static func bucket(_ v: UInt64) -> Int {
        if v < 1024 { return Int(v) }
        let bits = 64 - v.leadingZeroBitCount  // >= 11
        let shift = bits - 10
        let mantissa = Int(v >> UInt64(shift)) - 512  // 0..<512
        return Swift.min(1024 + (shift - 1) * 512 + mantissa, 1024 + 40 * 512 - 1)
    }

    private static func value(_ bucket: Int) -> UInt64 {
        if bucket < 1024 { return UInt64(bucket) }
        let shift = (bucket - 1024) / 512 + 1
        let mantissa = UInt64((bucket - 1024) % 512 + 512)
        return (mantissa << UInt64(shift)) + (1 << UInt64(shift)) - 1
    }
}
