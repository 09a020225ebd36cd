import Domain
import Foundation
import Testing

@testable import Server

#if canImport(Glibc)
    import Glibc
#endif

/// The log is what an operator greps when a line goes down: one JSON object a line, whatever the fields hold.
struct LoggerTests {
    @Test func everyLineIsOneJSONObjectWhateverItsFieldsHold() throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        defer { close(ends[0]) }
        let logger = Logger(minimum: .info, fd: ends[1])
        let hostile = "line 3 \"press\"\nfake\":\"entry\u{0}\u{1B}[31m 林"
        logger.info("message_sent", user: "a@example.com", room: hostile, ["message": hostile, "b": "2"])
        logger.log(.debug, "not_written")
        for index in 0..<200 { logger.warning("burst", ["index": String(index)]) }
        logger.flush()
        close(ends[1])

        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = read(ends[0], &buffer, buffer.count)
            if count <= 0 { break }
            bytes += buffer[..<count]
        }
        let lines = bytes.split(separator: UInt8(ascii: "\n"))
        #expect(lines.count == 201)
        let first = try JSONParser().parse(String(decoding: lines[0], as: UTF8.self))
        #expect(first["event"]?.stringValue == "message_sent")
        #expect(first["level"]?.stringValue == "info")
        #expect(first["user"]?.stringValue == "a@example.com")
        #expect(first["room"]?.stringValue == hostile)
        #expect(first["message"]?.stringValue == hostile)
        #expect(first["b"]?.stringValue == "2")
        #expect(first["time"]?.stringValue?.hasSuffix("Z") == true)
        // Lines logged in a burst are written in order, none lost or merged.
        let indexes = try lines.dropFirst().map {
            try JSONParser().parse(String(decoding: $0, as: UTF8.self))["index"]?.stringValue
        }
        #expect(indexes == (0..<200).map { String($0) })
    }
}
