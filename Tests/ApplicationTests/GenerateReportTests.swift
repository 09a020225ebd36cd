import Application
import Domain
import Foundation
import TestSupport
import Testing

struct GenerateReportTests {
    let app = TestApp()

    func report(_ room: RoomID, zone: String = "Asia/Taipei", by principal: Principal = TestApp.viewer) async throws
        -> String
    {
        let timeZone = try #require(TimeZone(identifier: zone))
        return try await GenerateReport(self.app.deps, timeZone: timeZone) { file in "/files/\(file.id)" }(
            room, by: principal)
    }

    @Test func theReportHasTheFactsThePeopleAndTheTimelineInOrder() async throws {
        let room = try await self.app.room(title: "Conveyor belt B2 stopped", severity: .critical)
        self.app.clock.advance(by: 60)
        let edited = try await self.app.send("Belt torn at splice", to: room.id)
        _ = try await EditMessage(self.app.deps)(
            edited.id, content: .string("Belt torn at the splice"), by: TestApp.editor)
        self.app.clock.advance(by: 60)
        let deleted = try await self.app.send("wrong photo", to: room.id)
        _ = try await DeleteMessage(self.app.deps)(deleted.id, by: TestApp.editor)
        self.app.clock.advance(by: 60)
        _ = try await self.app.sendMessage(
            SendMessage.Request(
                kind: .incidentData, content: .object(["temperature": .number(85), "pressure": .number(120.5)])),
            to: room.id, by: TestApp.editor)
        let photo = try await self.app.file(in: room.id, name: "splice.jpg")
        _ = try await self.app.sendMessage(
            SendMessage.Request(kind: .imageRef, content: .string("the splice"), fileID: photo.id), to: room.id,
            by: TestApp.editor)
        self.app.clock.advance(by: 3600)
        _ = try await UpdateRoom(self.app.deps)(room.id, changes: RoomChanges(status: .resolved), by: TestApp.owner)

        let report = try await self.report(room.id)
        #expect(report.hasPrefix("# Incident report: Conveyor belt B2 stopped\n"))
        #expect(report.contains("| Type | equipment failure |"))
        #expect(report.contains("| Severity | critical |"))
        #expect(report.contains("| Status | resolved |"))
        #expect(report.contains("| Location | Line 3 |"))
        #expect(report.contains("| Lots | LOT-2211 |"))
        #expect(report.contains("| Time zone | Asia/Taipei |"))
        // 10:00Z is 18:00 in Taipei (+08:00).
        #expect(report.contains("| Opened | 2026-11-21 18:00:00 by 林小明 |"))
        #expect(report.contains("| Resolved | 2026-11-21 19:03:00 |"))
        #expect(
            report.contains(
                "## Members\n\n- 林小明 (lin@plant.example): OWNER\n- Wang Wei (wang@plant.example): EDITOR\n- Chen Mei (chen@plant.example): VIEWER\n"
            ))

        let timeline = try #require(report.components(separatedBy: "## Timeline\n\n").last)
        let entries = timeline.split(separator: "\n").filter { $0.hasPrefix("- **") }.map(String.init)
        #expect(
            entries == [
                "- **2026-11-21 18:00:00** #1 *Event:* 林小明 opened the incident \"Conveyor belt B2 stopped\"",
                "- **2026-11-21 18:00:00** #2 *Event:* 林小明 added Wang Wei as EDITOR",
                "- **2026-11-21 18:00:00** #3 *Event:* 林小明 added Chen Mei as VIEWER",
                "- **2026-11-21 18:01:00** #4 Wang Wei *(edited)*: Belt torn at the splice",
                "- **2026-11-21 18:02:00** #5 Wang Wei: *(deleted)*",
                "- **2026-11-21 18:03:00** #6 Wang Wei recorded readings:",
                "- **2026-11-21 18:03:00** #7 Wang Wei: Photo [splice.jpg](/files/\(photo.id)) the splice",
                "- **2026-11-21 19:03:00** #8 *Event:* 林小明 changed the status from active to resolved",
            ])
        #expect(
            timeline.contains("  | Reading | Value |\n  |---|---|\n  | temperature | 85 |\n  | pressure | 120.5 |\n"))
        #expect(!report.contains("wrong photo"))
        #expect(!report.contains("Belt torn at splice"))
    }

    @Test func theTimeZoneIsConfigurable() async throws {
        let room = try await self.app.room()
        let report = try await self.report(room.id, zone: "Europe/Berlin")
        #expect(report.contains("| Opened | 2026-11-21 11:00:00 by 林小明 |"))
        #expect(report.contains("| Time zone | Europe/Berlin |"))
    }

    @Test func markdownAndHTMLInUserTextAreEscaped() async throws {
        let room = try await self.app.room(title: "**Press** <4> [x](http://evil) | `rm`")
        try await self.app.send(
            "<script>alert(1)</script> **bold** _it_ [link](javascript:x) ![img](y) # not a heading", to: room.id)
        try await self.app.send("line one\n# line two\n| table |", to: room.id)
        _ = try await self.app.sendMessage(
            SendMessage.Request(kind: .incidentData, content: .object(["a|b": .string("<x> | y")])), to: room.id,
            by: TestApp.editor)

        let report = try await self.report(room.id)
        #expect(report.hasPrefix(#"# Incident report: \*\*Press\*\* &lt;4&gt; \[x\](http://evil) \| \`rm\`"#))
        #expect(
            report.contains(
                ##"&lt;script&gt;alert(1)&lt;/script&gt; \*\*bold\*\* \_it\_ \[link\](javascript:x) \!\[img\](y) \# not a heading"##
            ))
        #expect(report.contains("line one  \n  \\# line two  \n  \\| table \\|"))
        #expect(report.contains(#"  | a\|b | &lt;x&gt; \| y |"#))
        #expect(!report.contains("<script>"))
        #expect(!report.contains("**bold**"))
    }

    @Test func outsidersGetNoReport() async throws {
        let room = try await self.app.room()
        await expect(.forbidden) { try await self.report(room.id, by: TestApp.outsider) }
        let asAdmin = try await self.report(room.id, by: TestApp.admin)
        #expect(asAdmin.contains("# Incident report: Conveyor belt B2 stopped"))
    }

    /// A room of any size is written a page at a time (finding 14): the pieces join into exactly the report, every
    /// message once and in order, and a message sent while the report is written is not in it (the head counts it
    /// not).
    @Test func aLongTimelineIsWrittenInPagesAndStopsAtTheCountedEnd() async throws {
        let room = try await self.app.room(title: "Long shift")
        var last: Int64 = 0
        for i in 1...450 {
            self.app.clock.advance(by: 0.2)  // within the acting rate
            last = try await self.app.send("entry \(i)", to: room.id).sequenceNumber
        }
        let generator = GenerateReport(self.app.deps, timeZone: try #require(TimeZone(identifier: "UTC"))) { _ in "" }
        let report = try await generator.prepare(room.id, by: TestApp.viewer)
        var pieces: [String] = []
        var sentMeanwhile = false
        try await report.write { piece in
            pieces.append(piece)
            if !sentMeanwhile {
                sentMeanwhile = true
                self.app.clock.advance(by: 1)
                _ = try await self.app.send("after the report began", to: room.id)
            }
        }
        #expect(pieces.count >= 4)  // the head, then three pages of at most 200
        let text = pieces.joined()
        #expect(!text.contains("after the report began"))
        let entries = text.split(separator: "\n").filter { $0.contains(": entry ") }
        #expect(entries.count == 450)
        #expect(entries.first?.hasSuffix(": entry 1") == true && entries.last?.hasSuffix(": entry 450") == true)
        #expect(text.contains("| Messages | \(last) |"))
    }
}

struct FileUseCaseTests {
    let app = TestApp()

    @Test func membersListAndGetFilesOthersAreForbidden() async throws {
        let room = try await self.app.room()
        let older = try await self.app.file(in: room.id, name: "a.jpg")
        self.app.clock.advance(by: 1)
        let newer = try await self.app.file(in: room.id, name: "b.pdf", type: .document, contentType: "application/pdf")
        #expect(try await ListFiles(self.app.deps)(in: room.id, by: TestApp.viewer) == [newer, older])
        #expect(try await GetFile(self.app.deps)(older.id, in: room.id, by: TestApp.viewer) == older)
        await expect(.forbidden) { try await ListFiles(self.app.deps)(in: room.id, by: TestApp.outsider) }
        let other = try await self.app.room(title: "Other")
        await expect(.notFound("File")) { try await GetFile(self.app.deps)(older.id, in: other.id, by: TestApp.viewer) }
    }

    @Test func theUploaderOrTheOwnerDeletes() async throws {
        let room = try await self.app.room()
        let byEditor = try await self.app.file(in: room.id, name: "a.jpg", by: TestApp.editor)
        let byOwner = try await self.app.file(in: room.id, name: "b.jpg", by: TestApp.owner)
        await expect(.insufficientPermissions) {
            try await DeleteFile(self.app.deps)(byOwner.id, in: room.id, by: TestApp.editor)
        }
        await expect(.insufficientPermissions) {
            try await DeleteFile(self.app.deps)(byEditor.id, in: room.id, by: TestApp.viewer)
        }
        try await DeleteFile(self.app.deps)(byEditor.id, in: room.id, by: TestApp.editor)
        try await DeleteFile(self.app.deps)(byOwner.id, in: room.id, by: TestApp.admin)
        #expect(try await ListFiles(self.app.deps)(in: room.id, by: TestApp.viewer).isEmpty)
        await expect(.notFound("File")) {
            try await GetFile(self.app.deps)(byEditor.id, in: room.id, by: TestApp.viewer)
        }
        await expect(.notFound("File")) {
            try await DeleteFile(self.app.deps)(byEditor.id, in: room.id, by: TestApp.editor)
        }
        // The bytes stay for the audit trail.
        #expect(self.app.objects.deletes.isEmpty)
    }
}

struct ReportLineStartTests {
    let app = TestApp()

    /// Lines that start like Markdown blocks (lists, rules, setext headings) stay text.
    @Test(arguments: [
        ("- not a list", #"\- not a list"#), ("+ not a list", #"\+ not a list"#), ("1. not a list", #"1\. not a list"#),
        ("2) not a list", #"2\) not a list"#), ("---", #"\---"#), ("===", #"\==="#),
        ("* not a list", #"\* not a list"#),
        ("   - indented", #"   \- indented"#),
    ])
    func lineStartsThatLookLikeMarkdownAreEscaped(_ line: String, _ escaped: String) async throws {
        let room = try await self.app.room()
        try await self.app.send("first line\n\(line)", to: room.id)
        _ = try await UpdateRoom(self.app.deps)(
            room.id, changes: RoomChanges(description: "Belt B2\n\(line)"), by: TestApp.owner)
        let report = try await GenerateReport(self.app.deps, timeZone: TimeZone(identifier: "Asia/Taipei")!) { _ in ""
        }(
            room.id, by: TestApp.owner)
        #expect(report.contains("first line  \n  \(escaped)\n"))
        #expect(report.contains("## Description\n\nBelt B2  \n\(escaped)\n"))
    }
}
