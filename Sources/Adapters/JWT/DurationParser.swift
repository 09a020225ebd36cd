package import Application

/// Reads durations from configuration: `3600` (seconds), `90s`, `30m`, `8h`, `7d`, and sums such as `1h30m`.
///
/// Whole numbers only, no signs, no spaces, no fractions: a setting that could be read two ways is refused rather
/// than guessed.
package enum DurationParser {
    /// The duration, or nil when `text` is not one of the accepted forms or overflows.
    package static func parse(_ text: String) -> Duration? {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return nil }
        // A bare number is seconds.
        if bytes.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            return Self.number(bytes[...]).map { Duration.seconds($0) }
        }
        var total: Int64 = 0
        var index = 0
        var lastUnitRank = Int.max
        while index < bytes.count {
            let start = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                index += 1
            }
            guard index > start, index < bytes.count, let amount = Self.number(bytes[start..<index]) else {
                return nil
            }
            let (unit, rank): (Int64, Int)
            switch bytes[index] {
            case UInt8(ascii: "d"): (unit, rank) = (86_400, 3)
            case UInt8(ascii: "h"): (unit, rank) = (3_600, 2)
            case UInt8(ascii: "m"): (unit, rank) = (60, 1)
            case UInt8(ascii: "s"): (unit, rank) = (1, 0)
            default: return nil
            }
            // Units from largest to smallest, each once: `30m1h` or `1h1h` is a typo, not a duration.
            guard rank < lastUnitRank else { return nil }
            lastUnitRank = rank
            index += 1
            let (product, overflow) = amount.multipliedReportingOverflow(by: unit)
            guard !overflow else { return nil }
            let (sum, sumOverflow) = total.addingReportingOverflow(product)
            guard !sumOverflow else { return nil }
            total = sum
        }
        return .seconds(total)
    }

    /// Parses the value of `setting`, throwing an error that names it.
    package static func parse(_ text: String, setting: String) throws(InvalidSetting) -> Duration {
        guard let duration = Self.parse(text) else {
            throw InvalidSetting(
                name: setting,
                reason: "expected a duration such as 3600, 90s, 30m, 8h or 1d, got \"\(text)\""
            )
        }
        return duration
    }

    private static func number(_ digits: ArraySlice<UInt8>) -> Int64? {
        // Nineteen digits can overflow Int64; nobody configures a duration that long.
        guard !digits.isEmpty, digits.count <= 18 else { return nil }
        return digits.reduce(Int64(0)) { $0 * 10 + Int64($1 - UInt8(ascii: "0")) }
    }
}
