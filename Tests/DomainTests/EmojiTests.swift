import Domain
import Testing

/// "A reaction is exactly one emoji grapheme cluster, ZWJ sequences and flags included" (issue 2).
struct EmojiTests {
    @Test(arguments: [
        "👍", "😀", "🎉", "🔥",
        "👨‍👩‍👧‍👦",  // ZWJ family
        "🧑‍🔧",  // ZWJ profession
        "🇹🇼", "🇯🇵",  // flags: regional indicator pairs
        "1️⃣", "#️⃣",  // keycaps
        "👍🏽", "👋🏿",  // skin tones
        "🏴󠁧󠁢󠁳󠁣󠁴󠁿",  // tag sequence flag (Scotland)
        "❤️", "©️", "☺️",  // text-default symbols with VS16
        "❤️‍🔥",  // ZWJ sequence on a text-default symbol
        "🧑🏻‍❤️‍💋‍🧑🏼",  // long ZWJ sequence with skin tones (35 bytes)
    ])
    func acceptsOneEmojiGraphemeCluster(_ text: String) throws {
        let emoji = try Emoji(text)
        #expect(emoji.value == text)
        #expect(emoji.description == text)
    }

    @Test(arguments: [
        "",  // nothing
        "a", "ab", "1", "#", "林",  // letters, digits and ideographs are not emoji
        "👍👍", "👍 ", " 👍", "🇹🇼🇯🇵",  // more than one cluster
        "❤", "©", "☺",  // text-default symbols without VS16 render as text
        "🇹",  // a lone regional indicator is not a flag
        ":+1:",  // shortcodes are the client's business
        "\u{FE0F}",  // a bare variation selector
        "1\u{200D}", "#\u{200D}",  // a text-default symbol and a dangling joiner is no ZWJ sequence
    ])
    func refusesEverythingElse(_ text: String) {
        #expect(throws: DomainError.validationFailed(field: "emoji", reason: "must be exactly one emoji")) {
            try Emoji(text)
        }
    }

    @Test func refusesAnAbsurdlyLongSingleCluster() {
        // One grapheme cluster can be made arbitrarily long with combining marks; it is not a reaction.
        let text = "👍" + String(repeating: "\u{1F3FD}", count: 40)
        #expect(throws: DomainError.self) { try Emoji(text) }
    }

    @Test func equalEmojiAreOneReaction() throws {
        #expect(try Emoji("👍") == Emoji("👍"))
        #expect(try Emoji("👍") != Emoji("👍🏽"))
        // The variation selector changes nothing on an emoji shown as emoji anyway.
        #expect(try Emoji("👍\u{FE0F}") == Emoji("👍"))
        #expect(try Emoji("👍\u{FE0F}").value == "👍")
        // On a text-default symbol it is what makes the emoji, so it stays.
        #expect(try Emoji("❤\u{FE0F}").value == "❤\u{FE0F}")
    }
}
