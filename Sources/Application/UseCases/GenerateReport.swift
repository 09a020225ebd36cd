package import Domain
package import Foundation

/// The incident report of a room in Markdown: the facts, the key events (the pinned messages), the people, then the
/// timeline in order with the pinned messages marked, with times in the plant's time zone (REPORT_TIMEZONE,
/// Asia/Taipei by default).
package struct GenerateReport: Sendable {
    let deps: Dependencies
    let timeZone: TimeZone
    /// How a file is linked from the report; the server knows its own URLs.
    let fileLink: @Sendable (StoredFile) -> String

    package init(_ deps: Dependencies, timeZone: TimeZone, fileLink: @escaping @Sendable (StoredFile) -> String) {
        self.deps = deps
        self.timeZone = timeZone
        self.fileLink = fileLink
    }

    /// The whole report as one string (tests, and callers that want it in memory).
    package func callAsFunction(_ roomID: RoomID, by principal: Principal) async throws -> String {
        var out = ""
        try await self.prepare(roomID, by: principal).write { out += $0 }
        return out
    }

    /// Checks access and reads what the report's head needs (the room, its members, its pins), so that a refusal
    /// is known before anything is sent; `Report.write` then streams the timeline a page at a time, so a room of
    /// any size costs one page of memory (hardening finding 14).
    package func prepare(_ roomID: RoomID, by principal: Principal) async throws -> Report {
        let access = try await RoomAccess.resolve(roomID, for: principal, in: self.deps)
        let members = try await self.deps.membersWithCurrentNames(of: roomID)
        let pins = try await self.deps.messages.pins(in: roomID)
        return Report(
            generator: self, room: access.room, members: members, pins: pins, generatedAt: self.deps.clock.now())
    }

    /// A report ready to be written.
    package struct Report: Sendable {
        let generator: GenerateReport
        let room: Room
        let members: [Member]
        let pins: [Message]
        let generatedAt: Date

        /// Hands the report to `sink` in pieces: the head, then the timeline 200 messages at a time, up to the last
        /// message the head counts (later ones belong to the next report).
        package func write(to sink: (String) async throws -> Void) async throws {
            let generator = self.generator
            try await sink(
                generator.head(self.room, members: self.members, pins: self.pins, generatedAt: self.generatedAt))
            var after: Int64 = 0
            while after < self.room.lastSequenceNumber {
                let page = try await generator.deps.messages.history(
                    of: self.room.id, HistoryQuery(direction: .oldestFirst(afterSequence: after), limit: 200))
                let messages = page.messages.prefix { $0.sequenceNumber <= self.room.lastSequenceNumber }
                var out = ""
                for message in messages {
                    out += generator.entry(message, note: message.isPinned && !message.isDeleted ? " *(pinned)*" : "")
                }
                try await sink(out)
                guard page.hasMore, let last = messages.last, last.sequenceNumber > after else { break }
                after = last.sequenceNumber
            }
        }
    }

    /// Everything before the timeline's entries.
    func head(_ room: Room, members: [Member], pins: [Message], generatedAt: Date) -> String {
        var out = "# Incident report: \(Markdown.inline(room.title))\n\n"
        out += "| Field | Value |\n|---|---|\n"
        out += "| Type | \(room.incidentType.rawValue.replacingOccurrences(of: "_", with: " ")) |\n"
        out += "| Severity | \(room.severity.rawValue) |\n"
        out += "| Status | \(room.status.rawValue) |\n"
        if !room.location.isEmpty { out += "| Location | \(Markdown.cell(room.location)) |\n" }
        if !room.lots.isEmpty { out += "| Lots | \(Markdown.cell(room.lots.joined(separator: ", "))) |\n" }
        let opener = members.first { $0.userID == room.createdBy }?.displayName ?? room.createdBy.rawValue
        out += "| Opened | \(self.time(room.createdAt)) by \(Markdown.cell(opener)) |\n"
        if let resolvedAt = room.resolvedAt { out += "| Resolved | \(self.time(resolvedAt)) |\n" }
        out += "| Last activity | \(self.time(room.lastActivityAt)) |\n"
        out += "| Messages | \(room.lastSequenceNumber) |\n"
        out += "| Time zone | \(self.timeZone.identifier) |\n"
        out += "| Report generated | \(self.time(generatedAt)) |\n"
        out += "\n## Key events\n\n"
        if pins.isEmpty { out += "*No message is pinned.*\n" }
        for message in pins {
            let by = message.pinnedBy.map { id in members.first { $0.userID == id }?.displayName ?? id.rawValue }
            out += self.entry(message, note: by.map { " *(pinned by \(Markdown.inline($0)))*" } ?? "")
        }
        if !room.description.isEmpty {
            out += "\n## Description\n\n\(Markdown.block(room.description))\n"
        }
        out += "\n## Members\n\n"
        for member in members {
            out +=
                "- \(Markdown.inline(member.displayName)) (\(Markdown.inline(member.userID.rawValue))): \(member.role.rawValue)\n"
        }
        return out + "\n## Timeline\n\n"
    }

    /// One message as a list item; `note` follows its number (the timeline marks pinned messages with it).
    func entry(_ message: Message, note: String) -> String {
        let head = "- **\(self.time(message.createdAt))** #\(message.sequenceNumber)\(note)"
        let sender = Markdown.inline(message.senderDisplayName)
        guard !message.isDeleted else {
            return "\(head) \(sender): *(deleted)*\n"
        }
        let edited = message.editedAt == nil ? "" : " *(edited)*"
        switch (message.kind, message.content) {
        case (.system, .text(let text)?):
            return "\(head) *Event:* \(Markdown.inline(text))\n"
        case (.incidentData, .readings(let readings)?):
            var out = "\(head) \(sender) recorded readings\(edited):\n\n  | Reading | Value |\n  |---|---|\n"
            for (name, value) in readings {
                let shown = value.stringValue ?? JSONWriter.string(value)
                out += "  | \(Markdown.cell(name)) | \(Markdown.cell(shown)) |\n"
            }
            return out + "\n"
        case (.imageRef, let content), (.fileRef, let content):
            let caption = content?.text.flatMap { $0.isEmpty ? nil : $0 }
            var out = "\(head) \(sender)\(edited): "
            if let file = message.file {
                let label = message.kind == .imageRef ? "Photo" : "File"
                out += "\(label) [\(Markdown.inline(file.filename))](\(self.fileLink(file)))"
            }
            if let caption { out += " \(Markdown.indented(caption))" }
            return out + "\n"
        case (_, let content):
            return "\(head) \(sender)\(edited): \(Markdown.indented(content?.text ?? ""))\n"
        }
    }

    private func time(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = self.timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String { value.map { $0 < 10 ? "0\($0)" : "\($0)" } ?? "00" }
        return "\(c.year ?? 0)-\(two(c.month))-\(two(c.day)) \(two(c.hour)):\(two(c.minute)):\(two(c.second))"
    }
}

/// Renders plain text safely inside Markdown: what people typed shows as typed, never as markup or HTML.
enum Markdown {
    static func inline(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "\\", "`", "*", "_", "[", "]", "#", "|", "~", "!":
                out += "\\\(character)"
            case "<":
                out += "&lt;"
            case ">":
                out += "&gt;"
            case "&":
                out += "&amp;"
            case "\n", "\r\n", "\r":
                out += " "
            default:
                out.append(character)
            }
        }
        return out
    }

    static func cell(_ text: String) -> String { Self.inline(text) }

    /// Multi-line text kept as lines under a list item.
    static func indented(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { Self.line(String($0)) }
            .joined(separator: "  \n  ")
    }

    static func block(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { Self.line(String($0)) }
            .joined(separator: "  \n")
    }

    /// One line of text that may start a Markdown line: a leading `-`, `+`, `=` or `1.` / `1)` would make it a
    /// list item, a rule or a setext heading, so that marker is escaped too.
    static func line(_ text: String) -> String {
        let escaped = Self.inline(text)
        let trimmed = escaped.drop { $0 == " " }
        let indent = escaped.prefix(escaped.count - trimmed.count)
        guard let first = trimmed.first else { return escaped }
        if first == "-" || first == "+" || first == "=" { return indent + "\\" + trimmed }
        let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
        if !digits.isEmpty, let marker = trimmed.dropFirst(digits.count).first, marker == "." || marker == ")" {
            return indent + digits + "\\" + trimmed.dropFirst(digits.count)
        }
        return escaped
    }
}
