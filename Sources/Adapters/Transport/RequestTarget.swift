/// A request target split into path segments and query items, percent-decoded (RFC 3986 §2.1).
package struct RequestTarget: Sendable, Equatable {
    /// The decoded path.
    package var path: String
    /// The decoded segments between slashes; an encoded `%2F` stays inside its segment.
    package var segments: [String]
    /// Decoded name/value pairs (`+` is a space in the query only).
    package var queryItems: [QueryItem]

    /// One query pair.
    package struct QueryItem: Sendable, Equatable {
        /// The decoded name.
        package var name: String
        /// The decoded value (empty when the pair had no `=`).
        package var value: String
    }

    /// Parses an origin-form (or absolute-form) target; nil when an escape is malformed, decodes to invalid UTF-8
    /// or to NUL.
    package init?(_ target: String) {
        var raw = Substring(target)
        if raw.hasPrefix("http://") || raw.hasPrefix("https://") {
            // Absolute form (RFC 9112 §3.2.2): keep the path and query.
            let afterScheme = raw[raw.index(raw.firstIndex(of: ":")!, offsetBy: 3)...]
            raw = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" }).map { afterScheme[$0...] } ?? "/"
            if raw.hasPrefix("?") { raw = "/" + raw }
        }
        if raw == "*" {
            self.path = "*"
            self.segments = []
            self.queryItems = []
            return
        }
        let rawPath: Substring
        let rawQuery: Substring?
        if let q = raw.firstIndex(of: "?") {
            rawPath = raw[..<q]
            rawQuery = raw[raw.index(after: q)...]
        } else {
            rawPath = raw
            rawQuery = nil
        }
        guard let path = Self.decode(rawPath, plusIsSpace: false) else { return nil }
        var segments: [String] = []
        for part in rawPath.split(separator: "/", omittingEmptySubsequences: true) {
            guard let s = Self.decode(part, plusIsSpace: false) else { return nil }
            segments.append(s)
        }
        var items: [QueryItem] = []
        if let rawQuery {
            for pair in rawQuery.split(separator: "&", omittingEmptySubsequences: true) {
                let name: Substring
                let value: Substring
                if let eq = pair.firstIndex(of: "=") {
                    name = pair[..<eq]
                    value = pair[pair.index(after: eq)...]
                } else {
                    name = pair
                    value = ""
                }
                guard let n = Self.decode(name, plusIsSpace: true), let v = Self.decode(value, plusIsSpace: true) else {
                    return nil
                }
                items.append(QueryItem(name: n, value: v))
            }
        }
        self.path = path
        self.segments = segments
        self.queryItems = items
    }

    /// Percent-decodes; nil on a malformed escape, invalid UTF-8 or NUL.
    package static func decode(_ text: Substring, plusIsSpace: Bool) -> String? {
        let utf8 = text.utf8
        guard utf8.contains(where: { $0 == UInt8(ascii: "%") || ($0 == UInt8(ascii: "+") && plusIsSpace) }) else {
            return String(text)
        }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count)
        var i = utf8.startIndex
        while i < utf8.endIndex {
            let c = utf8[i]
            if c == UInt8(ascii: "%") {
                let h = utf8.index(after: i)
                guard h < utf8.endIndex else { return nil }
                let l = utf8.index(after: h)
                guard l < utf8.endIndex, let hi = Self.hex(utf8[h]), let lo = Self.hex(utf8[l]) else { return nil }
                let byte = hi << 4 | lo
                guard byte != 0 else { return nil }
                out.append(byte)
                i = utf8.index(after: l)
                continue
            }
            out.append(plusIsSpace && c == UInt8(ascii: "+") ? UInt8(ascii: " ") : c)
            i = utf8.index(after: i)
        }
        guard UTF8Validator.isValid(out) else { return nil }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: c - 48
        case 65...70: c - 55
        case 97...102: c - 87
        default: nil
        }
    }
}
