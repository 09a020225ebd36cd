/// The small pieces of HTTP/1.1 syntax (RFC 9110, RFC 9112) that the server, the HTTP client and the multipart
/// parser share: token characters, optional whitespace, CRLF-separated lines.
package enum HTTPSyntax {
    /// RFC 9110 §5.6.2: tchar, the characters of a field name, a method or a token.
    package static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            true
        default: false
        }
    }

    /// The bytes without leading and trailing spaces and tabs (OWS, RFC 9110 §5.6.3).
    package static func trimmingWhitespace(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var value = bytes
        while let first = value.first, first == 0x20 || first == 0x09 { value = value.dropFirst() }
        while let last = value.last, last == 0x20 || last == 0x09 { value = value.dropLast() }
        return value
    }

    /// The CRLF-separated lines of a header block (its final empty line not included). A lone CR or LF stays inside
    /// its line, where the caller's field checks refuse it.
    package static func lines(_ block: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var start = block.startIndex
        var i = block.startIndex
        while i < block.endIndex {
            if block[i] == 0x0D, i + 1 < block.endIndex, block[i + 1] == 0x0A {
                lines.append(block[start..<i])
                i += 2
                start = i
            } else {
                i += 1
            }
        }
        lines.append(block[start..<block.endIndex])
        return lines
    }

    /// The first position of `needle` in `haystack` at or after `start`.
    package static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard let first = needle.first, haystack.count - start >= needle.count else { return nil }
        var i = max(0, start)
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == first {
                var j = 1
                while j < needle.count, haystack[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs (HTTP's OWS).
    package var trimmingSpaces: Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}

extension String {
    /// Without leading and trailing spaces and tabs (HTTP's OWS).
    package var trimmingSpaces: String { String(Substring(self).trimmingSpaces) }
}
