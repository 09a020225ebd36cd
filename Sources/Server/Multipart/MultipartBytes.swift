import HTTPCore

/// Byte-level helpers for the multipart parser.
enum MultipartBytes {
    /// The first position of `needle` in `haystack` at or after `start`.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        HTTPSyntax.find(needle, in: haystack, from: start)
    }

    /// The CRLF-separated lines of a header block (without its final empty line).
    static func lines(_ block: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        HTTPSyntax.lines(block)
    }

    /// The bytes as UTF-8 (invalid sequences replaced), without surrounding spaces and tabs.
    static func trimmed(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: HTTPSyntax.trimmingWhitespace(bytes), as: UTF8.self)
    }
}
