import Domain
import Testing

struct MentionParserTests {
    static let lin = UserID("lin@plant.example")
    static let li = UserID("li@plant.example")
    static let liWei = UserID("liwei@plant.example")
    static let bob = UserID("bob@plant.example")
    static let ann = UserID("ann.lee@plant.example")

    let parser = MentionParser(members: [
        .init(userID: Self.lin, displayName: "林小明"),
        .init(userID: Self.li, displayName: "Li"),
        .init(userID: Self.liWei, displayName: "Li Wei"),
        .init(userID: Self.bob, displayName: "Bob"),
        .init(userID: Self.ann, displayName: "  Ann Lee "),
    ])

    @Test(arguments: [
        ("@Li Wei please check the belt", [Self.liWei]),  // a display name with a space: the longest match wins
        ("@Li please check", [Self.li]),
        ("@Li Weiss is not a member", [Self.li]),  // "Li Wei" must end at a word boundary
        ("@bob@plant.example check", [Self.bob]),  // the user id
        ("@BOB, @li wei.", [Self.bob, Self.liWei]),  // case-insensitive, punctuation after the name
        ("(@Bob) and @Bob!", [Self.bob]),  // each member once
        ("@林小明 請確認", [Self.lin]),  // CJK display name
        ("@林小明，請確認。", [Self.lin]),  // full-width punctuation after it
        ("@Ann Lee: the display name is trimmed", [Self.ann]),
        ("@ann.lee@plant.example", [Self.ann]),
        ("Bob @Li Wei, @Bob and @林小明", [Self.liWei, Self.bob, Self.lin]),  // in order of first mention
        ("line one\n@Bob", [Self.bob]),
        // Chinese has no spaces between words: a mention may touch the text around it.
        ("@林小明請確認皮帶", [Self.lin]),
        ("請@林小明確認", [Self.lin]),
        ("謝謝@Bob，辛苦了", [Self.bob]),
        ("@Bob請看", [Self.bob]),
    ])
    func resolvesMentionsOfMembers(_ text: String, _ expected: [UserID]) {
        #expect(self.parser.mentions(in: text) == expected)
    }

    @Test(arguments: [
        "mail bob@plant.example about it",  // an e-mail address is not a mention
        "write to a@b.com",
        "@Bobby is not Bob",  // a longer word that starts with a member's name
        "@Robert is not a member",
        "@ Bob",  // a space after the @
        "Bob without an at sign",
        "@@Bob",
        "",
        "@",
    ])
    func findsNoMention(_ text: String) {
        #expect(self.parser.mentions(in: text) == [])
    }

    @Test func nonMembersAreIgnored() {
        let parser = MentionParser(members: [.init(userID: Self.bob, displayName: "Bob")])
        #expect(parser.mentions(in: "@Li Wei and @林小明 and @Bob") == [Self.bob])
    }

    @Test func aMemberWithoutADisplayNameIsFoundByIdOnly() {
        let parser = MentionParser(members: [.init(userID: Self.bob, displayName: "   ")])
        #expect(parser.mentions(in: "@bob@plant.example") == [Self.bob])
        #expect(parser.mentions(in: "@   ") == [])
    }
}
