/// A reaction: exactly one emoji grapheme cluster (ZWJ sequences, flags, keycaps and skin tones included).
package struct Emoji: Hashable, Sendable, CustomStringConvertible {
    package let value: String

    package init(_ text: String) throws(DomainError) {
        guard text.count == 1, let character = text.first, Self.isEmoji(character), text.utf8.count <= 64 else {
            throw .validationFailed(field: "emoji", reason: "must be exactly one emoji")
        }
        self.value = text
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
        // Text-default symbols ("1", "#", "©", "❤") are emoji only with VS16, a keycap, a modifier or a ZWJ.
        return scalars.dropFirst().contains { scalar in
            scalar.value == 0xFE0F || scalar.value == 0x20E3 || scalar.value == 0x200D
                || scalar.properties.isEmojiModifier
        }
    }
}
