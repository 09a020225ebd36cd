internal import Domain

/// The keys of the two-character search index (migration 3): every pair of adjacent non-ASCII characters of a
/// message's text, lower-cased.
///
/// pg_trgm needs three characters, and two is a common length of a Chinese word (`压力`), so such a query would
/// scan the room. The pairs are computed here rather than by an SQL function in an index expression, which
/// PostgreSQL evaluated per inserted row at a cost larger than every other index of the table together. Messages and
/// queries go through this one function, so they always agree; ILIKE rechecks every hit. ASCII pairs are left out
/// to keep the index small: a two-letter English query falls back to the room scan (correct, slower).
enum PostgresSearchBigrams {
    /// The message's keys, nil when it has none (most Latin-script messages), so the index holds nothing for it.
    static func keys(of content: MessageContent?) -> [String]? {
        guard case .text(let text) = content else { return nil }
        let keys = Self.keys(of: text)
        return keys.isEmpty ? nil : keys
    }

    /// Pairs in order; repeats are kept (GIN stores a key once per row anyway).
    static func keys(of text: String) -> [String] {
        let scalars = Array(text.lowercased().unicodeScalars)
        guard scalars.count >= 2 else { return [] }
        var keys: [String] = []
        for index in 1..<scalars.count where scalars[index - 1].value > 127 && scalars[index].value > 127 {
            var pair = String.UnicodeScalarView()
            pair.append(scalars[index - 1])
            pair.append(scalars[index])
            keys.append(String(pair))
        }
        return keys
    }

    /// Whether a search for `text` can use the index: exactly two characters, both non-ASCII. Longer queries use
    /// the trigram index.
    static func isIndexable(query text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        return scalars.count == 2 && scalars.allSatisfy { $0.value > 127 }
    }
}
