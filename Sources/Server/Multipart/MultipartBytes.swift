/// Byte-level helpers for the multipart parser.
enum MultipartBytes {
    /// The first position of `needle` in `haystack` at or after `start`.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard haystack.count - start >= needle.count else { return nil }
        var i = start
        while i <= haystack.count - needle.count {
            if haystack[i] == needle[0], haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    /// The CRLF-separated lines of a header block (without its final empty line).
    static func lines(_ block: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
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

    /// The bytes as UTF-8 (invalid sequences replaced), without surrounding spaces and tabs.
    static func trimmed(_ bytes: ArraySlice<UInt8>) -> String {
        var value = bytes
        while let first = value.first, first == 0x20 || first == 0x09 { value = value.dropFirst() }
        while let last = value.last, last == 0x20 || last == 0x09 { value = value.dropLast() }
        return String(decoding: value, as: UTF8.self)
    }
}
