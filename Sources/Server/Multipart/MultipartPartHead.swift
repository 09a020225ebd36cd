/// The header fields of one part, with the Content-Disposition parameters a form upload needs.
package struct MultipartPartHead: Hashable, Sendable {
    package var fields: [Field]
    /// The form field's `name`.
    package var name: String?
    /// The client's name for the file: `filename*` (RFC 5987, UTF-8 or ISO-8859-1) when given, else `filename`.
    package var filename: String?
    /// What the client declared; never trusted for the stored type (FilePolicy sniffs the content).
    package var contentType: String?

    package struct Field: Hashable, Sendable {
        package var name: String
        package var value: String
    }

    package init(fields: [(String, String)]) {
        self.fields = fields.map { Field(name: $0.0, value: $0.1) }
        self.contentType = fields.first(where: { $0.0.lowercased() == "content-type" })?.1
        guard let disposition = fields.first(where: { $0.0.lowercased() == "content-disposition" })?.1 else { return }
        let parsed = Self.parameters(disposition)
        guard parsed.value.lowercased() == "form-data" else { return }
        self.name = parsed.parameters.first(where: { $0.0 == "name" })?.1
        if let extended = parsed.parameters.first(where: { $0.0 == "filename*" })?.1,
            let decoded = Self.decodeExtendedValue(extended)
        {
            self.filename = decoded
        } else {
            self.filename = parsed.parameters.first(where: { $0.0 == "filename" })?.1
        }
    }

    /// Splits `value; name=token; name="quoted \"string\""` into the value and its parameters (names lower-cased).
    ///
    /// In a quoted string a backslash escapes only `"` and `\`: browsers send Windows paths and names with
    /// backslashes unescaped (the HTML standard percent-encodes quotes instead).
    package static func parameters(_ header: String) -> (value: String, parameters: [(String, String)]) {
        let bytes = Array(header.utf8)
        var i = 0
        func skipSpaces() { while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 { i += 1 } }
        func token(until stops: Set<UInt8>) -> String {
            let start = i
            while i < bytes.count, !stops.contains(bytes[i]) { i += 1 }
            var slice = bytes[start..<i]
            while let last = slice.last, last == 0x20 || last == 0x09 { slice = slice.dropLast() }
            return String(decoding: slice, as: UTF8.self)
        }
        skipSpaces()
        let value = token(until: [0x3B])
        var parameters: [(String, String)] = []
        while i < bytes.count {
            i += 1  // the semicolon
            skipSpaces()
            let name = token(until: [0x3D, 0x3B]).lowercased()
            guard i < bytes.count, bytes[i] == 0x3D else {
                if !name.isEmpty { parameters.append((name, "")) }
                continue
            }
            i += 1
            skipSpaces()
            var parameterValue: String
            if i < bytes.count, bytes[i] == 0x22 {
                i += 1
                var raw: [UInt8] = []
                while i < bytes.count, bytes[i] != 0x22 {
                    if bytes[i] == 0x5C, i + 1 < bytes.count, bytes[i + 1] == 0x22 || bytes[i + 1] == 0x5C { i += 1 }
                    raw.append(bytes[i])
                    i += 1
                }
                if i < bytes.count { i += 1 }  // the closing quote; a broken header may end without one
                parameterValue = String(decoding: raw, as: UTF8.self)
                skipSpaces()
                _ = token(until: [0x3B])  // anything after the quoted string up to the next parameter is dropped
            } else {
                parameterValue = token(until: [0x3B])
            }
            if !name.isEmpty { parameters.append((name, parameterValue)) }
        }
        return (value, parameters)
    }

    /// `UTF-8''na%C3%AFve.txt` (RFC 5987/8187): charset, optional language, percent-encoded bytes.
    static func decodeExtendedValue(_ value: String) -> String? {
        let pieces = value.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
        guard pieces.count == 3 else { return nil }
        let charset = pieces[0].lowercased()
        var bytes: [UInt8] = []
        var utf8 = Array(pieces[2].utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == 0x25 {
                guard utf8.count >= 2, let high = Self.hexValue(utf8.removeFirst()),
                    let low = Self.hexValue(utf8.removeFirst())
                else { return nil }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
        }
        switch charset {
        case "utf-8":
            return String(validating: bytes, as: UTF8.self)
        case "iso-8859-1":
            return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        default:
            return nil
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
}
