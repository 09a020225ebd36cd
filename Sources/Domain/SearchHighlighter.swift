/// Renders search hits: HTML-escaped text with every case-insensitive match wrapped in `<mark>`.
package enum SearchHighlighter {
    /// The smallest query, in characters (API.md: at least 2).
    package static let minimumQueryLength = 2

    package static func highlight(_ text: String, query: String) -> String {
        let haystack = Array(text)
        let needle = Array(query.lowercased())
        guard !needle.isEmpty else { return Self.escape(text) }
        let lowered = haystack.map { Character($0.lowercased()) == $0 ? $0 : Self.fold($0) }
        var output = ""
        var index = 0
        while index < haystack.count {
            if index + needle.count <= haystack.count, lowered[index..<(index + needle.count)].elementsEqual(needle) {
                output += "<mark>" + Self.escape(String(haystack[index..<(index + needle.count)])) + "</mark>"
                index += needle.count
            } else {
                output += Self.escape(String(haystack[index]))
                index += 1
            }
        }
        return output
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
