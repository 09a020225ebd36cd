// libFuzzer target: the HTTP/1.1 response parser of the HTTP client (S3 answers, fixed, chunked and close-delimited
// bodies). The first byte says whether the request was a HEAD and how the rest is cut into reads.
@testable import HTTPClient

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 1 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let piece = max(1, Int(data[0] >> 1))
    var parser = HTTPResponseParser(isHeadRequest: data[0] & 1 == 1)
    var bodyBytes = 0
    var start = 0
    do {
        while true {
            if start < bytes.count {
                let end = min(bytes.count, start + piece)
                parser.append(bytes[start..<end])
                start = end
            } else {
                parser.endOfInput()
            }
            var ended = false
            while let event = try parser.next() {
                switch event {
                case .head:
                    break
                case .body(let chunk):
                    bodyBytes += chunk.count
                    precondition(bodyBytes <= bytes.count, "more body than input")
                case .end:
                    ended = true
                }
                if ended { break }
            }
            if ended || start >= bytes.count { break }
        }
    } catch {
        return 0
    }
    return 0
}
