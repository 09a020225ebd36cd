import Domain

/// Pulls the one file part of an upload form out of a multipart body, streaming its bytes into a sink.
///
/// The body is read chunk by chunk from `read` and the file's bytes go to `write` as they are decoded, so a
/// 20 MB upload passes from the spooled request body to the spooled part file without ever being whole in
/// memory. Small text fields (a caption) are kept; other file parts are refused.
package enum MultipartFileExtractor {
    /// Text fields are kept up to this size each; larger ones are refused.
    package static let maximumFieldBytes = 16 * 1024

    /// - Parameters:
    ///   - fieldName: the form field that carries the file (`file` in API.md).
    ///   - fileLimit: called with the filename as soon as the part's head is read; returns the most bytes the
    ///     file may have, or throws to refuse it (e.g. `FilePolicy.limit(forFilename:)`, which throws
    ///     `unsupportedMediaType` for an unknown extension).
    ///   - read: the next chunk of the request body, or nil at its end.
    ///   - write: receives the file's bytes in order.
    /// - Throws: `MultipartError` for a malformed form (see `MultipartError.domainError`),
    ///   `DomainError.fileTooLarge` beyond `fileLimit`, and whatever `fileLimit`, `read` or `write` throw.
    package static func extract(
        boundary: String, fieldName: String = "file", limits: MultipartParser.Limits,
        prefixLength: Int = FilePolicy.sniffLength,
        fileLimit: (_ filename: String) throws -> Int,
        read: () throws -> [UInt8]?,
        write: (ArraySlice<UInt8>) throws -> Void
    ) throws -> MultipartUpload {
        var parser = MultipartParser(boundary: boundary, limits: limits)
        var upload: MultipartUpload?
        var current: Current = .none
        var fieldBytes: [UInt8] = []
        var fields: [String: String] = [:]
        var ended = false

        while !ended {
            guard let event = try parser.next() else {
                if let chunk = try read() {
                    try parser.append(chunk)
                } else {
                    parser.finish()
                }
                continue
            }
            switch event {
            case .partBegin(let head):
                if head.name == fieldName {
                    guard upload == nil else { throw MultipartError.duplicatePart(fieldName) }
                    guard let filename = head.filename, !filename.isEmpty else {
                        throw MultipartError.missingPart(fieldName)
                    }
                    let limit = try fileLimit(filename)
                    upload = MultipartUpload(
                        filename: filename, declaredContentType: head.contentType, size: 0, prefix: [])
                    current = .file(limit: limit)
                } else if head.filename != nil {
                    // Another file: refusing it is simpler and safer than spooling what nobody asked for.
                    throw MultipartError.duplicatePart(fieldName)
                } else if let name = head.name {
                    fieldBytes = []
                    current = .field(name)
                } else {
                    current = .none
                }
            case .body(let bytes):
                switch current {
                case .file(let limit):
                    guard var file = upload else { continue }
                    file.size += Int64(bytes.count)
                    guard file.size <= Int64(limit) else { throw DomainError.fileTooLarge(limit: limit) }
                    if file.prefix.count < prefixLength {
                        file.prefix += bytes.prefix(prefixLength - file.prefix.count)
                    }
                    upload = file
                    try write(bytes)
                case .field:
                    guard fieldBytes.count + bytes.count <= Self.maximumFieldBytes else {
                        throw MultipartError.tooLarge(limit: Int64(Self.maximumFieldBytes))
                    }
                    fieldBytes += bytes
                case .none:
                    continue
                }
            case .partEnd:
                if case .field(let name) = current { fields[name] = String(decoding: fieldBytes, as: UTF8.self) }
                current = .none
            case .end:
                ended = true
            }
        }
        guard var result = upload else { throw MultipartError.missingPart(fieldName) }
        result.fields = fields
        return result
    }

    private enum Current {
        case none
        case file(limit: Int)
        case field(String)
    }
}

/// The file part of an upload form, its bytes already written to the sink.
package struct MultipartUpload: Hashable, Sendable {
    /// As the client sent it (for display; `FilePolicy.sanitizedFilename` names the object).
    package var filename: String
    package var declaredContentType: String?
    package var size: Int64
    /// The first bytes of the file, for `FilePolicy.classify`.
    package var prefix: [UInt8]
    /// The form's text fields by name.
    package var fields: [String: String] = [:]

    package init(
        filename: String, declaredContentType: String?, size: Int64, prefix: [UInt8], fields: [String: String] = [:]
    ) {
        self.filename = filename
        self.declaredContentType = declaredContentType
        self.size = size
        self.prefix = prefix
        self.fields = fields
    }
}
