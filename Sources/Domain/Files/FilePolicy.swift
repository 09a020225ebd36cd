import Foundation

/// The rules for uploaded files: which ones are accepted, how large they may be, and how they are named in storage.
///
/// Pure: the caller reads the first `sniffLength` bytes of the upload and passes them with the name and the size.
/// A file is accepted only when its extension and its first bytes agree, so a renamed executable is refused
/// whatever it is called (API.md, Files).
package enum FilePolicy {
    /// 1 MB is 1 048 576 bytes, as API.md counts 10 KB as 10 240 bytes.
    package static let megabyte = 1_048_576
    /// Images (jpeg, png, gif, webp): 10 MB.
    package static let imageLimit = 10 * megabyte
    /// Documents (pdf, docx, xlsx, txt, csv): 20 MB.
    package static let documentLimit = 20 * megabyte
    /// Logs (`.log`): 5 MB.
    package static let logLimit = 5 * megabyte
    /// The largest upload of any kind; a request body beyond it can be refused before its type is known.
    package static let maximumUploadBytes = documentLimit
    /// How many leading bytes `classify` looks at; enough for every magic number and a meaningful text check.
    package static let sniffLength = 512
    /// The longest sanitized filename, in UTF-8 bytes (leaves room in S3's 1024-byte keys for the prefix).
    package static let maximumFilenameBytes = 200

    /// The limit in bytes for a kind of file.
    package static func limit(for type: FileType) -> Int {
        switch type {
        case .image: Self.imageLimit
        case .document: Self.documentLimit
        case .log: Self.logLimit
        }
    }

    /// The kind a filename claims by its extension, or `unsupportedMediaType` for any other extension.
    ///
    /// Lets a streaming upload stop at the right limit as soon as the part's filename is known.
    package static func claimedKind(ofFilename filename: String) throws(DomainError) -> FileKind {
        guard let ext = Self.fileExtension(of: filename), let kind = FileKind(extension: ext) else {
            throw .unsupportedMediaType(
                "Only jpeg, png, gif, webp, pdf, docx, xlsx, txt, csv and log files can be uploaded.")
        }
        return kind
    }

    /// The limit for the kind the filename claims (`unsupportedMediaType` for an unknown extension).
    package static func limit(forFilename filename: String) throws(DomainError) -> Int {
        Self.limit(for: try Self.claimedKind(ofFilename: filename).fileType)
    }

    /// Classifies an upload from its name, its size and its first bytes.
    ///
    /// - Parameter prefix: the first `min(size, sniffLength)` bytes (more are ignored).
    /// - Throws: `unsupportedMediaType` for an unknown extension or content that does not match it;
    ///   `fileTooLarge(limit:)` when `size` exceeds the limit of the claimed type.
    package static func classify(
        filename: String, size: Int64, prefix: some Collection<UInt8>
    ) throws(DomainError) -> FileClassification {
        let kind = try Self.claimedKind(ofFilename: filename)
        let limit = Self.limit(for: kind.fileType)
        guard size <= Int64(limit) else { throw .fileTooLarge(limit: limit) }
        let sniffed = Array(prefix.prefix(Self.sniffLength))
        // The prefix is the whole file only when the file is no longer than it; only then may it end mid-character.
        let isWhole = Int64(sniffed.count) >= size
        guard kind.matches(sniffed, isWhole: isWhole) else {
            throw .unsupportedMediaType("The content of the file does not match its .\(kind.rawValue) extension.")
        }
        return FileClassification(fileType: kind.fileType, contentType: kind.contentType, limit: limit)
    }

    // MARK: - Names

    /// The extension of the last path component, lower-cased, without the dot; nil when there is none.
    ///
    /// A name that is only a dot and an extension (`.png`) is a hidden file without an extension, as on Unix.
    package static func fileExtension(of filename: String) -> String? {
        let base = Self.lastPathComponent(of: filename)
        guard let dot = base.lastIndex(of: ".") else { return nil }
        let stem = base[..<dot].drop(while: { $0 == "." })
        let ext = base[base.index(after: dot)...]
        guard !stem.isEmpty, !ext.isEmpty else { return nil }
        return ext.lowercased()
    }

    /// A name that is safe as the last segment of an object key and as a download name.
    ///
    /// Keeps only the last path component (browsers on Windows used to send full paths), drops control characters,
    /// replaces characters Windows refuses in names, drops leading dots and spaces (no hidden files, no `..`), and
    /// shortens the stem so the whole stays within `maximumFilenameBytes` of UTF-8 while the extension is kept.
    /// Never empty. The original name is what users see; this one only names the object.
    package static func sanitizedFilename(_ filename: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in Self.lastPathComponent(of: filename).unicodeScalars {
            if Self.isHidden(scalar) { continue }
            switch scalar.value {
            case 0x22, 0x2A, 0x3A, 0x3C, 0x3E, 0x3F, 0x7C: scalars.append("_")  // " * : < > ? |
            default: scalars.append(scalar)
            }
        }
        var name = Substring(String(scalars))
        name = name.drop(while: { $0 == "." || $0 == " " })
        while let last = name.last, last == " " || last == "." { name = name.dropLast() }
        guard !name.isEmpty else { return "file" }
        guard name.utf8.count > Self.maximumFilenameBytes else { return String(name) }

        var stem = name
        var suffix = Substring("")
        if let dot = name.lastIndex(of: "."), name.utf8.distance(from: dot, to: name.endIndex) <= 20 {
            stem = name[..<dot]
            suffix = name[dot...]
        }
        let budget = Self.maximumFilenameBytes - suffix.utf8.count
        var kept = ""
        var used = 0
        // Whole characters only, so a cut never splits a UTF-8 sequence or a grapheme.
        for character in stem {
            let size = character.utf8.count
            guard used + size <= budget else { break }
            kept.append(character)
            used += size
        }
        if kept.isEmpty { kept = "file" }
        return kept + suffix
    }

    /// The name people see: as uploaded, without control characters and without the invisible bidirectional and
    /// zero-width ones that make `photo\u{202E}gpj.exe` read as `photoexe.jpg`. Never empty.
    package static func displayFilename(_ filename: String) -> String {
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: filename.unicodeScalars.filter { !Self.isHidden($0) })
        let name = String(scalars).trimmingCharacters(in: .whitespacesAndNewlines)
        return name.isEmpty ? "file" : name
    }

    /// C0 and C1 controls, DEL, bidirectional embeddings, overrides, isolates and marks, zero-width characters and
    /// the byte-order mark.
    static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x061C, 0x200B...0x200F, 0x202A...0x202E, 0x2060...0x2069, 0xFEFF: true
        default: false
        }
    }

    /// `rooms/{room_id}/{file_id}/{sanitized filename}`: the ids make the key unique, the name helps operators.
    package static func objectKey(room: RoomID, file: FileID, filename: String) -> String {
        "rooms/\(room)/\(file)/\(Self.sanitizedFilename(filename))"
    }

    private static func lastPathComponent(of filename: String) -> Substring {
        let separators: Set<Character> = ["/", "\\"]
        guard let last = filename.lastIndex(where: { separators.contains($0) }) else { return Substring(filename) }
        return filename[filename.index(after: last)...]
    }
}

/// What `FilePolicy.classify` decided about an upload.
package struct FileClassification: Hashable, Sendable {
    package var fileType: FileType
    /// The content type to store and serve; derived from the checked content, never from what the client declared.
    package var contentType: String
    /// The size limit that applied, in bytes.
    package var limit: Int

    package init(fileType: FileType, contentType: String, limit: Int) {
        self.fileType = fileType
        self.contentType = contentType
        self.limit = limit
    }
}
