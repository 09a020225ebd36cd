// libFuzzer target: the HTTP/1.1 request parser (Transport.HTTPRequestParser), fed in two pieces split where the
// first input byte says, so that heads and chunked bodies that arrive in pieces are covered too.
import HTTPCore
@testable import Transport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let split = bytes.isEmpty ? 0 : Int(data[0]) % (bytes.count + 1)
    var parser = HTTPRequestParser()
    var bodyBytes = 0
    var heads = 0
    for piece in [bytes[..<split], bytes[split...]] {
        parser.append(Array(piece))
        do {
            while let event = try parser.next() {
                switch event {
                case .head(let head):
                    heads += 1
                    // A parsed head keeps to the limits the parser promises.
                    precondition(head.headers.count <= HTTPRequestParser.maxHeaderCount)
                case .body(let chunk):
                    bodyBytes += chunk.count
                    precondition(bodyBytes <= bytes.count, "more body than input")
                case .end:
                    break  // keep-alive: the same parser reads the next pipelined request
                }
                precondition(heads <= bytes.count / 16 + 1, "more requests than input could hold")
            }
        } catch {
            return 0
        }
    }
    return 0
}
