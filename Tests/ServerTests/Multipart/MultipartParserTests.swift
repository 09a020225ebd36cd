import Domain
import Testing

@testable import Server

struct MultipartParserTests {
    struct Part: Equatable {
        var head: MultipartPartHead
        var body: [UInt8]
    }

    static let limits = MultipartParser.Limits(maximumTotalBytes: 1 << 20)

    /// Feeds `body` in chunks of `chunkSize` and collects the parts, checking the event order on the way.
    static func parse(
        _ body: [UInt8], boundary: String = "XyZ", chunkSize: Int, limits: MultipartParser.Limits = limits,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws(MultipartError) -> [Part] {
        var parser = MultipartParser(boundary: boundary, limits: limits)
        var parts: [Part] = []
        var open = false
        var offset = 0
        while true {
            guard let event = try parser.next() else {
                if offset < body.count {
                    try parser.append(body[offset..<min(offset + chunkSize, body.count)])
                    offset += chunkSize
                } else {
                    parser.finish()
                }
                continue
            }
            switch event {
            case .partBegin(let head):
                #expect(!open, "partBegin inside a part", sourceLocation: sourceLocation)
                parts.append(Part(head: head, body: []))
                open = true
            case .body(let bytes):
                #expect(open, "body outside a part", sourceLocation: sourceLocation)
                #expect(!bytes.isEmpty, "empty body event", sourceLocation: sourceLocation)
                parts[parts.count - 1].body += bytes
            case .partEnd:
                #expect(open, sourceLocation: sourceLocation)
                open = false
            case .end:
                #expect(!open, sourceLocation: sourceLocation)
                #expect(try parser.next() == nil, sourceLocation: sourceLocation)
                return parts
            }
        }
    }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    static let form =
        bytes(
            "preamble to ignore\r\n"
                + "--XyZ\r\n"
                + "Content-Disposition: form-data; name=\"caption\"\r\n\r\n"
                + "Spindle 3 \u{6EAB}\u{5EA6}\r\n"
                + "--XyZ   \r\n"  // transport padding after the boundary
                + "Content-Disposition: form-data; name=\"file\"; filename=\"defect 1.png\"\r\n"
                + "Content-Type: image/png\r\n\r\n")
        + [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x0D, 0x0A, 0x2D, 0x2D]
        + bytes("\r\n--XyZ--\r\nepilogue to ignore --XyZ--")

    @Test(arguments: 1...17)
    func parsesAFormAtEveryChunkSize(chunkSize: Int) throws {
        let parts = try Self.parse(Self.form, chunkSize: chunkSize)
        #expect(parts.count == 2)
        #expect(parts[0].head.name == "caption")
        #expect(parts[0].head.filename == nil)
        #expect(parts[0].body == Self.bytes("Spindle 3 \u{6EAB}\u{5EA6}"))
        #expect(parts[1].head.name == "file")
        #expect(parts[1].head.filename == "defect 1.png")
        #expect(parts[1].head.contentType == "image/png")
        #expect(parts[1].body == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x0D, 0x0A, 0x2D, 0x2D])
    }

    @Test(arguments: 1...17)
    func boundaryTextInsideContentIsContent(chunkSize: Int) throws {
        let content =
            "--XyZ at the start of the content\r\n"
            + "line\n--XyZ after a bare LF\r\n"
            + "\r\n--XyZX longer boundary\r\n"
            + "\r\n--XyZ- one dash\r\n"
            + "\r\n--XyZ \tpadding then text\r\n"
            + "\r\n--Xy almost\r\n"
            + "x--XyZ--"  // close delimiter text without CRLF before it
        let body = Self.bytes(
            "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\n" + content
                + "\r\n--XyZ--")
        let parts = try Self.parse(body, chunkSize: chunkSize)
        #expect(parts.count == 1)
        #expect(parts.first?.body == Self.bytes(content))
    }

    @Test(arguments: 1...17)
    func emptyPartsAndPartsWithoutHeaders(chunkSize: Int) throws {
        let body = Self.bytes("--XyZ\r\n\r\n\r\n--XyZ\r\nContent-Disposition: form-data; name=\"e\"\r\n\r\n\r\n--XyZ--")
        let parts = try Self.parse(body, chunkSize: chunkSize)
        #expect(parts.count == 2)
        #expect(parts[0].head.fields.isEmpty)
        #expect(parts[0].body.isEmpty)
        #expect(parts[1].head.name == "e")
        #expect(parts[1].body.isEmpty)
    }

    @Test func anEmptyFormEndsAtOnce() throws {
        #expect(try Self.parse(Self.bytes("--XyZ--\r\n"), chunkSize: 3).isEmpty)
    }

    // MARK: - Hostile and broken input

    @Test(arguments: 1...17)
    func truncatedInputIsRefused(chunkSize: Int) {
        let cases = [
            "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno closing delimiter",
            "--XyZ\r\nContent-Disposition: form-data; na",  // inside the headers
            "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nbody\r\n--XyZ",  // before -- or CRLF
            "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nbody\r\n--XyZ\r\n",  // a part never begun
        ]
        for text in cases {
            #expect(throws: MultipartError.truncated, "\(text)") {
                try Self.parse(Self.bytes(text), chunkSize: chunkSize)
            }
        }
    }

    @Test(arguments: 1...17)
    func aBodyWithoutDelimiterIsMalformed(chunkSize: Int) {
        #expect(throws: MultipartError.malformed("no multipart delimiter")) {
            try Self.parse(Self.bytes("just some text, --XyZ not at a line start"), chunkSize: chunkSize)
        }
        #expect(throws: MultipartError.malformed("no multipart delimiter")) {
            try Self.parse([], chunkSize: chunkSize)
        }
    }

    @Test func hugeHeadersAreRefused() {
        let huge = "--XyZ\r\nX-Filler: " + String(repeating: "a", count: 9000) + "\r\n\r\nbody\r\n--XyZ--"
        #expect(throws: MultipartError.headersTooLarge(limit: 8192)) {
            try Self.parse(Self.bytes(huge), chunkSize: 1000)
        }
        // Never terminated: refused once the limit is passed, not buffered forever.
        let endless = "--XyZ\r\nX-Filler: " + String(repeating: "a", count: 100_000)
        #expect(throws: MultipartError.headersTooLarge(limit: 8192)) {
            try Self.parse(Self.bytes(endless), chunkSize: 4096)
        }
    }

    @Test func manyPartsAreRefused() {
        let part = "--XyZ\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nv\r\n"
        let ok = String(repeating: part, count: 16) + "--XyZ--"
        #expect(throws: Never.self) { try Self.parse(Self.bytes(ok), chunkSize: 64) }
        let tooMany = String(repeating: part, count: 17) + "--XyZ--"
        #expect(throws: MultipartError.tooManyParts(limit: 16)) { try Self.parse(Self.bytes(tooMany), chunkSize: 64) }
    }

    @Test func theTotalSizeIsLimited() {
        let body = Self.bytes("--XyZ\r\n\r\n" + String(repeating: "x", count: 2000) + "\r\n--XyZ--")
        let limits = MultipartParser.Limits(maximumTotalBytes: 1000)
        #expect(throws: MultipartError.tooLarge(limit: 1000)) { try Self.parse(body, chunkSize: 100, limits: limits) }
    }

    @Test func malformedHeaderLinesAreRefused() {
        for header in ["NoColonHere", ": empty name", "Bad Name: x", " folded-first-line"] {
            let body = Self.bytes("--XyZ\r\n\(header)\r\n\r\nv\r\n--XyZ--")
            #expect(throws: MultipartError.self, "\(header)") { try Self.parse(body, chunkSize: 7) }
        }
    }

    @Test func foldedHeaderLinesContinueTheField() throws {
        let body = Self.bytes("--XyZ\r\nContent-Disposition: form-data;\r\n name=\"f\"\r\n\r\nv\r\n--XyZ--")
        #expect(try Self.parse(body, chunkSize: 5).first?.head.name == "f")
    }

    // MARK: - Content-Type and Content-Disposition

    @Test(arguments: [
        ("multipart/form-data; boundary=XyZ", "XyZ"),
        ("multipart/form-data; boundary=\"a b:c?\"", "a b:c?"),
        (
            "Multipart/Form-Data; charset=utf-8; BOUNDARY=----WebKitFormBoundary7MA4YWxkTrZu0gW",
            "----WebKitFormBoundary7MA4YWxkTrZu0gW"
        ),
        ("multipart/form-data;boundary=x", "x"),
    ])
    func boundariesAreReadFromTheContentType(contentType: String, boundary: String) throws {
        #expect(try MultipartParser.boundary(fromContentType: contentType) == boundary)
    }

    @Test(arguments: [
        "multipart/form-data",
        "multipart/form-data; boundary=",
        "multipart/form-data; boundary=\"\"",
        "multipart/mixed; boundary=x",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=" + String(repeating: "b", count: 71),
        "multipart/form-data; boundary=\"bad\r\nboundary\"",
        "",
    ])
    func missingOrInvalidBoundariesAreRefused(contentType: String) {
        #expect(throws: MultipartError.missingBoundary) { try MultipartParser.boundary(fromContentType: contentType) }
    }

    @Test(arguments: [
        ("form-data; name=\"file\"; filename=\"plain.jpg\"", "plain.jpg"),
        ("form-data; name=\"file\"; filename=\"\u{6EAB}\u{5EA6} raw utf8.csv\"", "\u{6EAB}\u{5EA6} raw utf8.csv"),
        (
            "form-data; name=\"file\"; filename=\"fallback.txt\"; filename*=UTF-8''na%C3%AFve%20%E2%82%AC.txt",
            "naïve €.txt"
        ),
        ("form-data; name=\"file\"; filename*=utf-8'en'a%2Bb.log", "a+b.log"),
        ("form-data; name=\"file\"; filename*=ISO-8859-1''caf%E9.pdf", "café.pdf"),
        ("form-data; name=\"file\"; filename=\"say \\\"hi\\\".txt\"", "say \"hi\".txt"),
        ("form-data; name=\"file\"; filename=\"C:\\Users\\op\\shot.png\"", "C:\\Users\\op\\shot.png"),
        ("form-data; name=file; filename=token.pdf", "token.pdf"),
        ("form-data; name=\"file\"; filename=\"x;y=z.txt\"", "x;y=z.txt"),
        ("form-data; name=\"file\"; filename=\"a.txt\"; filename*=UTF-8''%ZZbad", "a.txt"),
    ])
    func filenamesAreReadFromTheDisposition(disposition: String, filename: String) {
        let head = MultipartPartHead(fields: [("Content-Disposition", disposition)])
        #expect(head.name == "file")
        #expect(head.filename == filename)
    }

    @Test func errorsMapToAPIErrors() {
        #expect(MultipartError.missingBoundary.refusal.code == "invalid_request")
        #expect(MultipartError.truncated.refusal.code == "invalid_request")
        #expect(MultipartError.tooManyParts(limit: 16).refusal.code == "invalid_request")
        #expect(MultipartError.tooLarge(limit: 10).refusal == .domain(.fileTooLarge(limit: 10)))
        #expect(MultipartError.missingPart("file").refusal.code == "validation_failed")
    }
}
