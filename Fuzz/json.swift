// libFuzzer target: the strict JSON parser of Domain (request bodies, WebSocket events, NOTIFY payloads). What it
// accepts must be written back by JSONWriter and read again as the same value.
@testable import Domain

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let value = try? JSONParser(maximumDepth: 16).parse(bytes) else { return 0 }
    let written = JSONWriter.encode(value)
    guard let again = try? JSONParser(maximumDepth: 16).parse(written) else {
        preconditionFailure("the writer wrote what the parser refuses: \(String(decoding: written, as: UTF8.self))")
    }
    precondition(again == value, "a value changed on its way through the writer")
    return 0
}
