import Foundation

/// Finds `@display name` and `@user_id` mentions in text and resolves them against a room's members.
///
/// At each `@` that starts a word, the longest member name or id that follows (case-insensitively) and ends at a
/// word boundary wins, so "@Li Wei" mentions "Li Wei" rather than "Li" when both are members. Han and kana count
/// as boundaries, since those scripts put no spaces between words.
package struct MentionParser: Sendable {
    package struct Candidate: Sendable {
        package var userID: UserID
        package var displayName: String

        package init(userID: UserID, displayName: String) {
            self.userID = userID
            self.displayName = displayName
        }
    }

    private let names: [(text: [Character], userID: UserID)]

    package init(members: [Candidate]) {
        var names: [(text: [Character], userID: UserID)] = []
        for member in members {
            names.append((Array(member.userID.rawValue.lowercased()), member.userID))
            let display = member.displayName.trimmingCharacters(in: .whitespaces)
            if !display.isEmpty { names.append((Array(display.lowercased()), member.userID)) }
        }
        self.names = names.sorted { $0.text.count > $1.text.count }
    }

    /// The mentioned members, in order of first mention, each once.
    package func mentions(in text: String) -> [UserID] {
        let characters = Array(text.lowercased())
        var found: [UserID] = []
        var index = 0
        while index < characters.count {
            defer { index += 1 }
            guard characters[index] == "@" else { continue }
            if index > 0, !Self.isBoundary(characters[index - 1]) { continue }
            let start = index + 1
            for name in self.names where Self.matches(name.text, in: characters, at: start) {
                let end = start + name.text.count
                guard end == characters.count || Self.isBoundary(characters[end]) else { continue }
                if !found.contains(name.userID) { found.append(name.userID) }
                index = end - 1
                break
            }
        }
        return found
    }

    private static func matches(_ name: [Character], in characters: [Character], at start: Int) -> Bool {
        guard !name.isEmpty, start + name.count <= characters.count else { return false }
        return characters[start..<(start + name.count)].elementsEqual(name)
    }

    private static func isBoundary(_ character: Character) -> Bool {
        character.isWhitespace || (character.isPunctuation && character != "@" && character != "_" && character != "-")
            || character.isSymbol || Self.isUnspacedScript(character)
    }

    /// Chinese and Japanese are written without spaces between words, so a mention may touch the text around it
    /// ("請@林小明確認"); an e-mail address is still no mention, as its `@` follows a Latin letter or digit.
    private static func isUnspacedScript(_ character: Character) -> Bool {
        guard let scalar = character.unicodeScalars.first else { return false }
        switch scalar.value {
        case 0x2E80...0x2FDF, 0x3040...0x30FF, 0x3190...0x31FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF,
            0x20000...0x3FFFF:
            return true
        default:
            return false
        }
    }
}
