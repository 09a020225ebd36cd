/// A reaction: exactly one emoji grapheme cluster (ZWJ sequences, flags, keycaps and skin tones included).
package struct Emoji: Hashable, Sendable, CustomStringConvertible {
    package let value: String

    package init(_ text: String) throws(DomainError) {
        guard text.count == 1, let character = text.first, Self.isEmoji(character), text.utf8.count <= 64 else {
            throw .validationFailed(field: "emoji", reason: "must be exactly one emoji")
        }
        // "👍" and "👍\u{FE0F}" look the same: an emoji that is shown as emoji anyway is stored without a trailing
        // variation selector, so one reaction is not counted as two. Inside ZWJ sequences it stays (it is part of
        // the sequence's standard spelling).
        let scalars = Array(text.unicodeScalars)
        if scalars.count == 2, scalars[0].properties.isEmojiPresentation, scalars[1].value == 0xFE0F {
            self.value = String(scalars[0])
        } else {
            self.value = text
        }
    }

    package var description: String { self.value }

    private static func isEmoji(_ character: Character) -> Bool {
        let scalars = character.unicodeScalars
        guard let first = scalars.first else { return false }
        // Regional indicator pairs are flags.
        if (0x1F1E6...0x1F1FF).contains(first.value) {
            return scalars.count == 2 && scalars.allSatisfy { (0x1F1E6...0x1F1FF).contains($0.value) }
        }
        guard first.properties.isEmoji else { return false }
        if first.properties.isEmojiPresentation { return true }
        // Text-default symbols ("1", "#", "©", "❤") are emoji only with VS16, a keycap, a modifier, or a ZWJ that
        // joins them to another emoji ("1" and a dangling ZWJ is still the digit one).
        let rest = Array(scalars.dropFirst())
        return rest.indices.contains { index in
            switch rest[index].value {
            case 0xFE0F, 0x20E3: true
            case 0x200D: index + 1 < rest.count && rest[index + 1].properties.isEmoji
            default: rest[index].properties.isEmojiModifier
            }
        }
    }
}
