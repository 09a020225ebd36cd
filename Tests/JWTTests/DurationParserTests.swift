import Application
import JWT
import Testing

struct DurationParserTests {
    @Test(
        arguments: [
            ("3600", 3_600), ("0", 0), ("90s", 90), ("30m", 1_800), ("8h", 28_800), ("1d", 86_400), ("1h30m", 5_400),
            ("1d2h3m4s", 93_784), ("007m", 420),
        ] as [(String, Int64)]
    )
    func parses(_ text: String, _ seconds: Int64) {
        #expect(DurationParser.parse(text) == .seconds(seconds))
    }

    @Test(arguments: [
        "", " 8h", "8h ", "8 h", "-5", "+5", "1.5h", "8H", "8x", "h", "m30", "30m1h", "1h1h", "1hh",
        "99999999999999999999", "999999999999999999d", "8h\n",
    ])
    func refuses(_ text: String) {
        #expect(DurationParser.parse(text) == nil)
    }

    @Test func errorNamesTheSetting() {
        #expect(throws: InvalidSetting.self) { try DurationParser.parse("soon", setting: "JWT_TTL") }
        do {
            _ = try DurationParser.parse("soon", setting: "JWT_TTL")
        } catch {
            #expect(error.name == "JWT_TTL")
            #expect(error.description.hasPrefix("JWT_TTL: "))
        }
    }
}
