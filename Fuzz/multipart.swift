// libFuzzer target: the multipart/form-data parser of uploads. The first line of the input is the Content-Type
// header's value (the boundary is taken from it as the route does); the rest is the body, cut into reads by the
// first byte.
import Domain

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 1 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let lineEnd = bytes.firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
    let contentType = String(decoding: bytes[..<lineEnd], as: UTF8.self)
    let body = lineEnd < bytes.count ? Array(bytes[(lineEnd + 1)...]) : []
    guard let boundary = try? MultipartParser.boundary(fromContentType: contentType) else { return 0 }
    let limits = MultipartParser.Limits(maximumHeaderBytes: 1024, maximumParts: 4, maximumTotalBytes: 1 << 20)
    var parser = MultipartParser(boundary: boundary, limits: limits)
    let piece = max(1, Int(data[0]))
    var bodyBytes = 0
    var parts = 0
    var start = 0
    do {
        while true {
            if start < body.count {
                let end = min(body.count, start + piece)
                try parser.append(body[start..<end])
                start = end
            } else {
                parser.finish()
            }
            var ended = false
            while let event = try parser.next() {
                switch event {
                case .partBegin:
                    parts += 1
                    precondition(parts <= limits.maximumParts, "more parts than the limit")
                case .body(let chunk):
                    bodyBytes += chunk.count
                    precondition(bodyBytes <= body.count, "more part bytes than body bytes")
                case .partEnd:
                    break
                case .end:
                    ended = true
                }
            }
            if ended || start >= body.count { break }
        }
    } catch {
        return 0
    }
    return 0
}
