// libFuzzer target: the NOTIFY payloads of the PostgreSQL event bus, which any database session can send
// (`SELECT pg_notify(...)`): the envelope is read as PostgresEventBus.deliver reads it, and each event is decoded.
// Messages are "loaded" as absent (no database here), which is what a payload naming a deleted message gets.
import Application
import Domain
@testable import Postgres

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let payload = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let envelope = try? JSONParser(maximumDepth: 16).parse(payload), case .array(let events)? = envelope["e"]
    else { return 0 }
    for event in events {
        guard let live = try? PostgresEventCodec.decode(event, loading: .nothing) else { continue }
        // What this process decodes, it must be able to send again unchanged.
        let again = try? PostgresEventCodec.decode(PostgresEventCodec.encode(live), loading: .nothing)
        precondition(again == live, "an event changed on its way through the codec: \(live)")
    }
    return 0
}
