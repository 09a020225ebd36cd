import Domain
import Testing

struct SearchHighlighterTests {
    @Test func wrapsEveryCaseInsensitiveMatch() {
        #expect(
            SearchHighlighter.highlight("Belt stopped; BELT restarted, belt ok", query: "belt")
                == "<mark>Belt</mark> stopped; <mark>BELT</mark> restarted, <mark>belt</mark> ok")
    }

    @Test func escapesHTMLInsideAndOutsideMatches() {
        #expect(
            SearchHighlighter.highlight(#"<b>"x" & 'y'</b> <script>"#, query: "<b>")
                == "<mark>&lt;b&gt;</mark>&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt; &lt;script&gt;")
        #expect(
            SearchHighlighter.highlight("a & b && c", query: "&&") == "a &amp; b <mark>&amp;&amp;</mark> c")
    }

    @Test func escapesTextWithoutAMatch() {
        #expect(
            SearchHighlighter.highlight("<img src=x onerror=alert(1)>", query: "zz")
                == "&lt;img src=x onerror=alert(1)&gt;")
        #expect(SearchHighlighter.escape(#"&<>"'"#) == "&amp;&lt;&gt;&quot;&#39;")
    }

    @Test func highlightsChineseText() {
        #expect(
            SearchHighlighter.highlight("輸送帶停止，輸送帶B2需要檢查", query: "輸送帶")
                == "<mark>輸送帶</mark>停止，<mark>輸送帶</mark>B2需要檢查")
        #expect(SearchHighlighter.matches("三號線輸送帶停止", query: "送帶"))
    }

    @Test func matchesIgnoreCase() {
        #expect(SearchHighlighter.matches("Pressure HIGH", query: "high"))
        #expect(SearchHighlighter.matches("pressure high", query: "HIGH"))
        #expect(SearchHighlighter.matches("ÄRGER", query: "ärger"))
        #expect(!SearchHighlighter.matches("pressure", query: "temp"))
    }

    /// The one-pass matcher (finding 14 of the hardening issue) marks exactly what comparing at every position did,
    /// on texts built to trip a matcher that backs up: repeated prefixes of the query, and random two-letter texts.
    @Test func theOnePassMatcherMarksWhatComparingEverywhereMarks() {
        var generator = SystemRandomNumberGenerator()
        var cases: [(String, String)] = [
            (String(repeating: "a", count: 300) + "b", String(repeating: "a", count: 20) + "b"),
            ("abababcabababcababc", "ababc"), ("AaAaAb aab", "aab"), ("xyxyxyz", "xyxyz"),
        ]
        for _ in 0..<300 {
            let text = String((0..<Int.random(in: 0...40, using: &generator)).map { _ in "aAb".randomElement()! })
            let query = String((0..<Int.random(in: 1...4, using: &generator)).map { _ in "ab".randomElement()! })
            cases.append((text, query))
        }
        for (text, query) in cases {
            #expect(SearchHighlighter.highlight(text, query: query) == Self.naive(text, query), "\(text) / \(query)")
        }
    }

    /// The quadratic reference: at each position compare the whole query.
    static func naive(_ text: String, _ query: String) -> String {
        let haystack = Array(text)
        let lowered = Array(text.lowercased())
        let needle = Array(query.lowercased())
        var output = ""
        var index = 0
        while index < haystack.count {
            if index + needle.count <= haystack.count, lowered[index..<(index + needle.count)].elementsEqual(needle) {
                output +=
                    "<mark>" + SearchHighlighter.escape(String(haystack[index..<(index + needle.count)])) + "</mark>"
                index += needle.count
            } else {
                output += SearchHighlighter.escape(String(haystack[index]))
                index += 1
            }
        }
        return output
    }

    @Test func matchesDoNotOverlap() {
        #expect(SearchHighlighter.highlight("aaaa", query: "aa") == "<mark>aa</mark><mark>aa</mark>")
        #expect(SearchHighlighter.highlight("aaa", query: "aa") == "<mark>aa</mark>a")
    }

    @Test func handlesNonASCIICaseFolding() {
        #expect(
            SearchHighlighter.highlight("ÄRGER und ärger", query: "Ärger")
                == "<mark>ÄRGER</mark> und <mark>ärger</mark>")
        // U+0130 lower-cases to two scalars; the text around it must still come out whole.
        #expect(SearchHighlighter.highlight("İstanbul line", query: "line") == "İstanbul <mark>line</mark>")
    }

    @Test func theMinimumQueryIsTwoCharacters() {
        #expect(SearchHighlighter.minimumQueryLength == 2)
    }
}

struct SearchHighlighterConsistencyTests {
    /// Whatever the search finds, the highlight marks: a hit without a mark would look like a wrong result.
    @Test(arguments: [
        ("ΟΔΟΣ κλειστός", "οδος"), ("Ο ΔΡΟΜΟΣ", "δρομοσ"), ("İSTANBUL hat", "i̇stanbul"), ("Straße B2", "STRASSE"),
        ("ǅemal", "ǆe"), ("ﬁlter clogged", "fi"), ("Ａｂｃ full width", "ａｂ"), ("e\u{301}té", "été"),
        ("輸送帶停止", "送帶"), ("Belt B2", "belt b2"),
    ])
    func everyMatchIsMarked(_ text: String, _ query: String) {
        let highlight = SearchHighlighter.highlight(text, query: query)
        #expect(SearchHighlighter.matches(text, query: query) == highlight.contains("<mark>"), "\(highlight)")
    }
}
