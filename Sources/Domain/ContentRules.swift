/// The limits every message content obeys (API.md, Messages: Limits, and the precise rules).
package enum ContentRules {
    /// 10 KB of UTF-8 for text.
    package static let maximumTextBytes = 10_240
    /// 100 KB for incident_data, serialized.
    package static let maximumReadingsBytes = 102_400

    /// Refuses text over the limit, empty text, and control characters other than tab, LF and CR.
    package static func validate(text: String, field: String = "content") throws(DomainError) {
        guard text.utf8.count <= Self.maximumTextBytes else {
            throw .messageTooLarge(limit: Self.maximumTextBytes)
        }
        guard !text.allSatisfy(\.isWhitespace) else {
            throw .validationFailed(field: field, reason: "must not be empty")
        }
        try Self.refuseControlCharacters(text, field: field)
    }

    /// Refuses readings that are not a non-empty object, are over the limit, or carry control characters.
    package static func validate(readings: JSONObject, field: String = "content") throws(DomainError) {
        guard !readings.isEmpty else {
            throw .validationFailed(field: field, reason: "must be a non-empty object of readings")
        }
        guard JSONWriter.encode(.object(readings)).count <= Self.maximumReadingsBytes else {
            throw .messageTooLarge(limit: Self.maximumReadingsBytes)
        }
        for (name, value) in readings {
            guard !name.isEmpty else { throw .validationFailed(field: field, reason: "a reading needs a name") }
            try Self.refuseControlCharacters(name, field: field)
            try Self.refuseControlCharacters(in: value, field: field)
        }
    }

    /// C0 controls other than tab, LF and CR; DEL; C1 controls (U+0080-U+009F).
    package static func isRefused(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: false
        case 0x00...0x1F, 0x7F...0x9F: true
        default: false
        }
    }

    package static func refuseControlCharacters(_ text: String, field: String) throws(DomainError) {
        if text.unicodeScalars.contains(where: Self.isRefused) {
            throw .validationFailed(field: field, reason: "contains control characters")
        }
    }

    private static func refuseControlCharacters(in value: JSONValue, field: String) throws(DomainError) {
        switch value {
        case .string(let text):
            try Self.refuseControlCharacters(text, field: field)
        case .array(let items):
            for item in items { try Self.refuseControlCharacters(in: item, field: field) }
        case .object(let object):
            for (key, item) in object {
                try Self.refuseControlCharacters(key, field: field)
                try Self.refuseControlCharacters(in: item, field: field)
            }
        case .null, .bool, .number:
            break
        }
    }
}
