import Foundation
@testable import Server
import Testing

struct TimestampTests {
    @Test(arguments: [
        (0.0, "1970-01-01T00:00:00.000Z"),
        (1_795_255_200.125, "2026-11-21T10:00:00.125Z"),
        (951_782_400.999, "2000-02-29T00:00:00.999Z"),
        (-1.5, "1969-12-31T23:59:58.500Z"),
        (253_402_300_799.0, "9999-12-31T23:59:59.000Z"),
    ])
    func formatsUTCWithMilliseconds(_ seconds: Double, _ expected: String) {
        #expect(Timestamp.format(Date(timeIntervalSince1970: seconds)) == expected)
    }

    @Test func agreesWithFoundationsFormatterAndParsesBack() throws {
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<1_000 {
            let milliseconds = Int64.random(in: 0..<4_102_444_800_000, using: &generator)  // 1970-2100
            let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
            let text = Timestamp.format(date)
            // Foundation's formatter truncates the binary fraction (.564 can print as .563): compare whole seconds.
            let second = Date(timeIntervalSince1970: Double(milliseconds / 1000)).formatted(style)
            let fraction = String(milliseconds % 1000)
            let expected =
                String(second.dropLast(4)) + String(repeating: "0", count: 3 - fraction.count) + fraction + "Z"
            #expect(text == expected, "\(milliseconds)")
            let parsed = try #require(Timestamp.parse(text))
            #expect(Int64((parsed.timeIntervalSince1970 * 1000).rounded()) == milliseconds)
        }
    }
}
