/// One accepted file format: its extension, its magic number, its `FileType` and the content type stored for it.
package enum FileKind: String, Hashable, Sendable, CaseIterable {
    case jpeg, png, gif, webp, pdf, docx, xlsx, txt, csv, log

    /// The format an extension (lower case, no dot) names; nil for formats that cannot be uploaded.
    package init?(extension ext: String) {
        switch ext {
        case "jpg", "jpeg": self = .jpeg
        case "png": self = .png
        case "gif": self = .gif
        case "webp": self = .webp
        case "pdf": self = .pdf
        case "docx": self = .docx
        case "xlsx": self = .xlsx
        case "txt": self = .txt
        case "csv": self = .csv
        case "log": self = .log
        default: return nil
        }
    }

    /// API.md: `.log` is a log; `.txt` and `.csv` are documents.
    package var fileType: FileType {
        switch self {
        case .jpeg, .png, .gif, .webp: .image
        case .pdf, .docx, .xlsx, .txt, .csv: .document
        case .log: .log
        }
    }

    package var contentType: String {
        switch self {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .gif: "image/gif"
        case .webp: "image/webp"
        case .pdf: "application/pdf"
        case .docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        case .xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        case .txt, .log: "text/plain; charset=utf-8"
        case .csv: "text/csv; charset=utf-8"
        }
    }

    /// Whether the first bytes of a file are this format's.
    ///
    /// - Parameter isWhole: the bytes are the whole file, so a UTF-8 sequence may not be cut at their end.
    package func matches(_ prefix: [UInt8], isWhole: Bool) -> Bool {
        switch self {
        case .jpeg: prefix.starts(with: [0xFF, 0xD8, 0xFF])
        case .png: prefix.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        case .gif: prefix.starts(with: Array("GIF87a".utf8)) || prefix.starts(with: Array("GIF89a".utf8))
        case .webp:
            prefix.count >= 12 && prefix.starts(with: Array("RIFF".utf8)) && Array(prefix[8..<12]) == Array("WEBP".utf8)
        case .pdf: prefix.starts(with: Array("%PDF-".utf8))
        // Office Open XML files are ZIP archives; the extension tells a document from a spreadsheet.
        case .docx, .xlsx: prefix.starts(with: [0x50, 0x4B, 0x03, 0x04])
        case .txt, .csv, .log: Self.isText(prefix, isWhole: isWhole)
        }
    }

    /// Valid UTF-8 without NUL; a sequence cut by the end of a partial prefix still counts as text.
    private static func isText(_ bytes: [UInt8], isWhole: Bool) -> Bool {
        guard !bytes.contains(0) else { return false }
        var checked = bytes[...]
        if !isWhole {
            // Drop an incomplete trailing sequence (at most 3 bytes after its lead byte) that the cut left behind.
            var start = bytes.count
            var back = 0
            while start > 0, back < 4, bytes[start - 1] & 0xC0 == 0x80 {
                start -= 1
                back += 1
            }
            if start > 0 {
                let lead = bytes[start - 1]
                let needed = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
                if needed > 1, bytes.count - (start - 1) < needed { checked = bytes[..<(start - 1)] }
            }
        }
        var decoder = UTF8()
        var iterator = checked.makeIterator()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }
}
