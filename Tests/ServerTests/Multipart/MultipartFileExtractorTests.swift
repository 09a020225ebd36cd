import Domain
import Foundation
import Server
import Testing

struct MultipartFileExtractorTests {
    static let limits = MultipartParser.Limits(maximumTotalBytes: Int64(FilePolicy.maximumUploadBytes) + 64 * 1024)

    static func form(filename: String, content: [UInt8], boundary: String = "----b0undary") -> [UInt8] {
        Array(
            ("--\(boundary)\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\nleak at valve 7\r\n"
                + "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(filename)\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").utf8) + content
            + Array("\r\n--\(boundary)--\r\n".utf8)
    }

    static func pdf(size: Int) -> [UInt8] {
        var bytes = Array("%PDF-1.7\n".utf8)
        bytes.reserveCapacity(size)
        var state: UInt32 = 12345
        while bytes.count < size {
            state = state &* 1_103_515_245 &+ 12345
            bytes.append(UInt8(truncatingIfNeeded: state >> 16))
        }
        return Array(bytes.prefix(size))
    }

    /// Runs the extractor over `body` in chunks of `chunkSize`, collecting what it writes.
    static func extract(
        _ body: [UInt8], chunkSize: Int, boundary: String = "----b0undary"
    ) throws -> (MultipartUpload, [UInt8], largestWrite: Int) {
        var offset = 0
        var written: [UInt8] = []
        var largest = 0
        let upload = try MultipartFileExtractor.extract(
            boundary: boundary, limits: Self.limits, fileLimit: { try FilePolicy.limit(forFilename: $0) },
            read: {
                guard offset < body.count else { return nil }
                defer { offset += chunkSize }
                return Array(body[offset..<min(offset + chunkSize, body.count)])
            },
            write: { bytes in
                largest = max(largest, bytes.count)
                written += bytes
            })
        return (upload, written, largest)
    }

    @Test(arguments: 1...17)
    func extractsTheFileAtEveryChunkSize(chunkSize: Int) throws {
        let content = Self.pdf(size: 700)
        let (upload, written, _) = try Self.extract(
            Self.form(filename: "manual.pdf", content: content), chunkSize: chunkSize)
        #expect(written == content)
        #expect(upload.filename == "manual.pdf")
        #expect(upload.size == 700)
        #expect(upload.prefix == Array(content.prefix(FilePolicy.sniffLength)))
        #expect(upload.fields == ["caption": "leak at valve 7"])
        #expect(upload.declaredContentType == "application/octet-stream")
        let classification = try FilePolicy.classify(
            filename: upload.filename, size: upload.size, prefix: upload.prefix)
        #expect(classification.fileType == .document)
    }

    @Test func aLargeUploadStreamsFromSpoolFileToSpoolFileInBoundedPieces() throws {
        let content = Self.pdf(size: FilePolicy.documentLimit)  // exactly 20 MB: allowed
        let request = try SpoolFile()
        try request.write(Self.form(filename: "big.pdf", content: content))
        let part = try SpoolFile()
        var chunks = request.chunks()
        var largest = 0
        let upload = try MultipartFileExtractor.extract(
            boundary: "----b0undary", limits: Self.limits, fileLimit: { try FilePolicy.limit(forFilename: $0) },
            read: { try chunks.next() },
            write: { bytes in
                largest = max(largest, bytes.count)
                try part.write(bytes)
            })
        #expect(upload.size == Int64(content.count))
        #expect(part.size == Int64(content.count))
        #expect(largest <= 64 * 1024 + 64)  // pieces follow the read chunks, never the whole file
        var readBack: [UInt8] = []
        var partChunks = part.chunks()
        while let chunk = try partChunks.next() { readBack += chunk }
        #expect(readBack == content)
        let path = part.path
        part.remove()
        request.remove()
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func oneByteOverTheTypeLimitIsRefusedWhileStreaming() throws {
        let content = Self.pdf(size: FilePolicy.logLimit + 1)
        var written = 0
        let body = Self.form(filename: "plc.log", content: content)
        var offset = 0
        #expect(throws: DomainError.fileTooLarge(limit: FilePolicy.logLimit)) {
            try MultipartFileExtractor.extract(
                boundary: "----b0undary", limits: Self.limits, fileLimit: { try FilePolicy.limit(forFilename: $0) },
                read: {
                    guard offset < body.count else { return nil }
                    defer { offset += 65536 }
                    return Array(body[offset..<min(offset + 65536, body.count)])
                },
                write: { written += $0.count })
        }
        #expect(written <= FilePolicy.logLimit)
    }

    @Test func anUnknownExtensionIsRefusedBeforeAnyByteIsWritten() {
        var written = 0
        #expect(throws: DomainError.self) {
            var done = false
            _ = try MultipartFileExtractor.extract(
                boundary: "----b0undary", limits: Self.limits, fileLimit: { try FilePolicy.limit(forFilename: $0) },
                read: {
                    defer { done = true }
                    return done ? nil : Self.form(filename: "tool.exe", content: [0x4D, 0x5A])
                },
                write: { written += $0.count })
        }
        #expect(written == 0)
    }

    @Test func aFormWithoutAFilePartIsAValidationError() {
        let body = Array("--b\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\nx\r\n--b--".utf8)
        #expect(throws: MultipartError.missingPart("file")) { try Self.extract(body, chunkSize: 5, boundary: "b") }
        let noName = Array("--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx\r\n--b--".utf8)
        #expect(throws: MultipartError.missingPart("file")) { try Self.extract(noName, chunkSize: 5, boundary: "b") }
    }

    @Test func twoFilesAreRefused() {
        let part = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nx\r\n"
        let body = Array((part + part + "--b--").utf8)
        #expect(throws: MultipartError.duplicatePart("file")) { try Self.extract(body, chunkSize: 5, boundary: "b") }
    }

    @Test func aTruncatedUploadIsRefused() {
        let body = Array(Self.form(filename: "a.pdf", content: Self.pdf(size: 1000)).dropLast(10))
        #expect(throws: MultipartError.truncated) { try Self.extract(body, chunkSize: 100) }
    }
}
