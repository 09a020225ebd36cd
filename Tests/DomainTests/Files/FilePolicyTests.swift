import Domain
import Foundation
import Testing

struct FilePolicyTests {
    static let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10] + Array("JFIF".utf8)
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]
    static let webp: [UInt8] = Array("RIFF".utf8) + [0x24, 0, 0, 0] + Array("WEBPVP8 ".utf8)
    static let zip: [UInt8] = [0x50, 0x4B, 0x03, 0x04, 0x14, 0x00]
    static let pdf: [UInt8] = Array("%PDF-1.7\n".utf8)

    @Test(arguments: [
        ("photo.jpg", jpeg, FileType.image, "image/jpeg"),
        ("PHOTO.JPEG", jpeg, .image, "image/jpeg"),
        ("shot.png", png, .image, "image/png"),
        ("anim.gif", Array("GIF89a....".utf8), .image, "image/gif"),
        ("old.gif", Array("GIF87a....".utf8), .image, "image/gif"),
        ("pic.webp", webp, .image, "image/webp"),
        ("manual.pdf", pdf, .document, "application/pdf"),
        ("report.docx", zip, .document, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("sheet.xlsx", zip, .document, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("notes.txt", Array("line one\nline two 溫度\n".utf8), .document, "text/plain; charset=utf-8"),
        ("data.csv", Array("a,b\n1,2\n".utf8), .document, "text/csv; charset=utf-8"),
        ("plc.log", Array("2026-11-21 ERROR spindle\n".utf8), .log, "text/plain; charset=utf-8"),
    ])
    func acceptsMatchingContent(name: String, bytes: [UInt8], type: FileType, contentType: String) throws {
        let result = try FilePolicy.classify(filename: name, size: Int64(bytes.count), prefix: bytes)
        #expect(result.fileType == type)
        #expect(result.contentType == contentType)
        #expect(result.limit == FilePolicy.limit(for: type))
    }

    @Test(arguments: [
        ("photo.jpg", png),  // a PNG renamed
        ("photo.png", jpeg),
        ("invoice.pdf", zip),
        ("report.docx", pdf),
        ("evil.jpg", Array("MZ\u{90}\0".utf8)),  // an executable renamed
        ("notes.txt", [0x41, 0x00, 0x42]),  // NUL: binary
        ("notes.txt", [0xC3, 0x28]),  // invalid UTF-8
        ("plc.log", [0xFF, 0xFE, 0x41]),
        ("pic.webp", Array("RIFF\u{24}\0\0\0WAVEfmt ".utf8)),  // RIFF but not WEBP
        ("pic.webp", Array("RIFF".utf8)),
    ])
    func refusesSpoofedContent(name: String, bytes: [UInt8]) {
        #expect(throws: DomainError.self) {
            try FilePolicy.classify(filename: name, size: Int64(bytes.count), prefix: bytes)
        }
        do {
            _ = try FilePolicy.classify(filename: name, size: Int64(bytes.count), prefix: bytes)
        } catch {
            guard case .unsupportedMediaType = error else {
                Issue.record("expected unsupportedMediaType, got \(error)")
                return
            }
        }
    }

    @Test(arguments: ["virus.exe", "archive.zip", "noextension", ".png", "image.svg", "page.html", "dir/", ""])
    func refusesUnknownExtensions(name: String) {
        #expect(
            throws: DomainError.unsupportedMediaType(
                "Only jpeg, png, gif, webp, pdf, docx, xlsx, txt, csv and log files can be uploaded.")
        ) {
            try FilePolicy.classify(filename: name, size: 3, prefix: Self.jpeg)
        }
    }

    @Test(arguments: [
        ("photo.jpg", jpeg, 10_485_760),
        ("manual.pdf", pdf, 20_971_520),
        ("notes.txt", Array("text".utf8), 20_971_520),
        ("data.csv", Array("a,b".utf8), 20_971_520),
        ("plc.log", Array("text".utf8), 5_242_880),
    ])
    func limitsAreExactAndOneByteOverIsRefused(name: String, bytes: [UInt8], limit: Int) throws {
        let atLimit = try FilePolicy.classify(filename: name, size: Int64(limit), prefix: bytes)
        #expect(atLimit.limit == limit)
        #expect(throws: DomainError.fileTooLarge(limit: limit)) {
            try FilePolicy.classify(filename: name, size: Int64(limit) + 1, prefix: bytes)
        }
        #expect(try FilePolicy.limit(forFilename: name) == limit)
    }

    @Test func emptyFilesAreTextButNeverImagesOrDocumentsWithMagic() throws {
        #expect(try FilePolicy.classify(filename: "empty.log", size: 0, prefix: []).fileType == .log)
        #expect(try FilePolicy.classify(filename: "empty.txt", size: 0, prefix: []).fileType == .document)
        for name in ["empty.jpg", "empty.png", "empty.gif", "empty.webp", "empty.pdf", "empty.docx", "empty.xlsx"] {
            #expect(throws: DomainError.self) { try FilePolicy.classify(filename: name, size: 0, prefix: []) }
        }
    }

    @Test func aPrefixCutInsideAMultibyteCharacterIsStillText() throws {
        var bytes = Array(String(repeating: "溫", count: 200).utf8)  // 600 bytes, 3 per character
        bytes = Array(bytes.prefix(FilePolicy.sniffLength))  // 512 = 170 characters and 2 bytes
        #expect(try FilePolicy.classify(filename: "t.log", size: 600, prefix: bytes).fileType == .log)
        // The same cut bytes as a whole file are not valid UTF-8.
        #expect(throws: DomainError.self) {
            try FilePolicy.classify(filename: "t.log", size: Int64(bytes.count), prefix: bytes)
        }
    }

    @Test(arguments: [
        ("photo.jpg", "photo.jpg"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\op\\Desktop\\defect 1.png", "defect 1.png"),
        ("..hidden.log", "hidden.log"),
        ("...", "file"),
        ("", "file"),
        ("a\u{0}b\u{7}c\u{85}.txt", "abc.txt"),
        ("line\r\nbreak.txt", "linebreak.txt"),
        ("what?<>:*|\".csv", "what_______.csv"),
        ("溫度記錄.csv", "溫度記錄.csv"),
        ("a+b c.pdf", "a+b c.pdf"),
        ("dir/", "file"),
        ("trailing. . ", "trailing"),
        ("invoice\u{202E}fdp.exe", "invoicefdp.exe"),
    ])
    func sanitizesFilenames(original: String, expected: String) {
        #expect(FilePolicy.sanitizedFilename(original) == expected)
    }

    /// Finding 22 of the hardening issue: the name people see keeps what was uploaded (paths included) but loses
    /// controls and the invisible characters that reorder or hide text.
    @Test(arguments: [
        ("../../etc/缺陷 photo.png", "../../etc/缺陷 photo.png"),
        ("photo\u{202E}gpj.exe", "photogpj.exe"),
        ("\u{2067}report\u{2069}.pdf", "report.pdf"),
        ("a\u{200B}b\u{FEFF}\u{200F}.txt", "ab.txt"),
        ("bell\u{7}\r\n.log", "bell.log"),
        ("\u{202D}\u{200E} ", "file"),
        ("溫度記錄.csv", "溫度記錄.csv"),
    ])
    func displayNamesLoseControlAndBidiCharacters(original: String, expected: String) {
        #expect(FilePolicy.displayFilename(original) == expected)
    }

    @Test func longNamesKeepTheirExtensionWithinTheByteLimit() {
        let ascii = FilePolicy.sanitizedFilename(String(repeating: "a", count: 500) + ".pdf")
        #expect(ascii.utf8.count == 200)
        #expect(ascii.hasSuffix(".pdf"))
        let wide = FilePolicy.sanitizedFilename(String(repeating: "溫", count: 300) + ".xlsx")
        #expect(wide.utf8.count <= 200)
        #expect(wide.hasSuffix(".xlsx"))
        #expect(wide.utf8.count > 190)  // whole characters, as many as fit
        let emoji = FilePolicy.sanitizedFilename(String(repeating: "👩‍🔧", count: 100) + ".png")
        #expect(emoji.utf8.count <= 200)
        #expect(emoji.hasSuffix(".png"))
        #expect(FilePolicy.sanitizedFilename(emoji) == emoji)  // idempotent
    }

    @Test func objectKeysNameTheRoomTheFileAndTheSanitizedName() throws {
        let room = try #require(RoomID("6f1c2f0e-8a4b-4c1d-9e2f-0123456789ab"))
        let file = try #require(FileID("0b1c2d3e-4f50-4617-8899-aabbccddeeff"))
        #expect(
            FilePolicy.objectKey(room: room, file: file, filename: "../x/Defect photo.JPG")
                == "rooms/6f1c2f0e-8a4b-4c1d-9e2f-0123456789ab/0b1c2d3e-4f50-4617-8899-aabbccddeeff/Defect photo.JPG")
    }

    @Test func extensionsComeFromTheLastComponent() {
        #expect(FilePolicy.fileExtension(of: "a.tar.LOG") == "log")
        #expect(FilePolicy.fileExtension(of: "x.jpg/readme") == nil)
        #expect(FilePolicy.fileExtension(of: ".log") == nil)
        #expect(FilePolicy.fileExtension(of: "trailingdot.") == nil)
    }
}
