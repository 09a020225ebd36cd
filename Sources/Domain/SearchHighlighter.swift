/// Renders search hits: HTML-escaped text with every case-insensitive match wrapped in `<mark>`.
package enum SearchHighlighter {
    /// The smallest query, in characters (API.md: at least 2).
    package static let minimumQueryLength = 2

    /// Leftmost non-overlapping matches, found in one pass (Knuth-Morris-Pratt): linear in text plus query, where
    /// comparing at every position cost text x query (10 KB of "a" searched for 200 "a"s and a "b").
    package static func highlight(_ text: String, query: String) -> String {
        let haystack = Array(text)
        let needle = Array(query.lowercased())
        guard !needle.isEmpty else { return Self.escape(text) }
        let lowered = haystack.map(Self.fold)
        let fallback = Self.failureTable(needle)
        var output = ""
        output.reserveCapacity(text.utf8.count)
        var emitted = 0
        var matched = 0
        for (index, character) in lowered.enumerated() {
            while matched > 0, character != needle[matched] { matched = fallback[matched - 1] }
            if character == needle[matched] { matched += 1 }
            guard matched == needle.count else { continue }
            let start = index + 1 - needle.count
            output += Self.escape(String(haystack[emitted..<start]))
            output += "<mark>" + Self.escape(String(haystack[start...index])) + "</mark>"
            emitted = index + 1
            matched = 0
        }
        output += Self.escape(String(haystack[emitted...]))
        return output
    }

    /// For each prefix of `needle`, the length of its longest proper prefix that is also its suffix.
    private static func failureTable(_ needle: [Character]) -> [Int] {
        var table = [Int](repeating: 0, count: needle.count)
        var length = 0
        for index in needle.indices.dropFirst() {
            while length > 0, needle[index] != needle[length] { length = table[length - 1] }
            if needle[index] == needle[length] { length += 1 }
            table[index] = length
        }
        return table
    }

    /// Whether `text` contains `query`, ignoring case (the search rule of API.md).
    package static func matches(_ text: String, query: String) -> Bool {
        text.lowercased().contains(query.lowercased())
    }

    private static func fold(_ character: Character) -> Character {
        let lowered = character.lowercased()
        return lowered.count == 1 ? Character(lowered) : character
    }

    package static func escape(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&#39;"
            default: output.append(character)
            }
        }
        return output
    }
}
