import Foundation

/// The limits on a room's fields, so a report and a room list stay readable.
package enum RoomRules {
    package static let maximumTitleCharacters = 200
    package static let maximumLocationCharacters = 200
    package static let maximumDescriptionBytes = ContentRules.maximumTextBytes
    package static let maximumLots = 50
    package static let maximumLotCharacters = 100

    package static func validate(title: String) throws(DomainError) {
        let trimmed = title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .validationFailed(field: "title", reason: "must not be empty") }
        guard title.count <= Self.maximumTitleCharacters else {
            throw .validationFailed(field: "title", reason: "must be at most \(Self.maximumTitleCharacters) characters")
        }
        try Self.singleLine(title, field: "title")
    }

    package static func validate(location: String) throws(DomainError) {
        guard location.count <= Self.maximumLocationCharacters else {
            throw .validationFailed(
                field: "location", reason: "must be at most \(Self.maximumLocationCharacters) characters")
        }
        try Self.singleLine(location, field: "location")
    }

    package static func validate(description: String) throws(DomainError) {
        guard description.utf8.count <= Self.maximumDescriptionBytes else {
            throw .validationFailed(
                field: "description", reason: "must be at most \(Self.maximumDescriptionBytes) bytes")
        }
        try ContentRules.refuseControlCharacters(description, field: "description")
    }

    package static func validate(lots: [String]) throws(DomainError) {
        guard lots.count <= Self.maximumLots else {
            throw .validationFailed(field: "lots", reason: "at most \(Self.maximumLots) lots")
        }
        for lot in lots {
            guard !lot.trimmingCharacters(in: .whitespaces).isEmpty, lot.count <= Self.maximumLotCharacters else {
                throw .validationFailed(
                    field: "lots", reason: "each lot is 1 to \(Self.maximumLotCharacters) characters")
            }
            try Self.singleLine(lot, field: "lots")
        }
    }

    private static func singleLine(_ text: String, field: String) throws(DomainError) {
        if text.unicodeScalars.contains(where: { ContentRules.isRefused($0) || $0 == "\n" || $0 == "\r" || $0 == "\t" })
        {
            throw .validationFailed(field: field, reason: "must be one line without control characters")
        }
    }
}
