import Testing
import Transport

/// A request as the parser reported it, with its body reassembled.
struct ParsedRequest: Equatable {
    var method: String
    var target: String
    var body: [UInt8]
    var keepAlive: Bool
}

/// Feeds `bytes` in pieces of `chunk` bytes; returns the complete requests and the error, if any.
func parse(_ bytes: [UInt8], chunk: Int) -> (requests: [ParsedRequest], error: HTTPParseError?) {
    var parser = HTTPRequestParser()
    var requests: [ParsedRequest] = []
    var current: ParsedRequest?
    var offset = 0
    while offset < bytes.count {
        let end = min(bytes.count, offset + chunk)
        parser.append(Array(bytes[offset..<end]))
        offset = end
        do {
            while let event = try parser.next() {
                switch event {
                case .head(let head):
                    current = ParsedRequest(
                        method: head.method.rawValue,
                        target: head.target,
                        body: [],
                        keepAlive: head.keepAlive
                    )
                case .body(let part):
                    current?.body += part
                case .end:
                    if let current { requests.append(current) }
                    current = nil
                }
            }
        } catch {
            return (requests, error)
        }
    }
    return (requests, nil)
}

struct HTTPRequestParserTests {
    static let pipelined = Array(
        ("GET /a?x=1 HTTP/1.1\r\nHost: h\r\n\r\n"
            + "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
            + "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "3;ext=1\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n"
            + "GET /d HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").utf8
    )

    @Test(arguments: 1...64)
    func parsesPipelinedRequestsSplitAtEveryChunkSize(_ chunk: Int) {
        let (requests, error) = parse(Self.pipelined, chunk: chunk)
        #expect(error == nil)
        #expect(
            requests == [
                ParsedRequest(method: "GET", target: "/a?x=1", body: [], keepAlive: true),
                ParsedRequest(method: "POST", target: "/b", body: Array("hello".utf8), keepAlive: true),
                ParsedRequest(method: "POST", target: "/c", body: Array("abc0123456789".utf8), keepAlive: true),
                ParsedRequest(method: "GET", target: "/d", body: [], keepAlive: false),
            ]
        )
    }

    @Test(
        arguments: [
            // Smuggling shapes.
            ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 4\r\n\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +3\r\n\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x3\r\n\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
            ("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding : chunked\r\n\r\n", 400),
            // Header injection and malformed lines.
            ("GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nHost: h\nX: a\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nHost: h\r\nX: a\u{0}b\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n folded\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nHost: h\r\nNo colon here\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nHost: h\r\n: empty name\r\n\r\n", 400),
            ("GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400),
            ("GET / HTTP/1.1 extra\r\nHost: h\r\n\r\n", 400),
            ("GET /\u{7F} HTTP/1.1\r\nHost: h\r\n\r\n", 400),
            ("GET noslash HTTP/1.1\r\nHost: h\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
            ("GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505),
            ("GET / HTTX/1.1\r\nHost: h\r\n\r\n", 400),
            ("G(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400),
            // Bad chunked framing.
            ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3 x\r\nabc\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n", 400),
        ] as [(String, Int)]
    )
    func refusesHostileInput(_ text: String, _ status: Int) {
        for chunk in [1, 7, text.utf8.count] {
            let (_, error) = parse(Array(text.utf8), chunk: chunk)
            #expect(error?.status == status, "chunk \(chunk): \(text.debugDescription)")
        }
    }

    @Test func acceptsTheSameContentLengthTwice() {
        let text = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok"
        let (requests, error) = parse(Array(text.utf8), chunk: 3)
        #expect(error == nil)
        #expect(requests.first?.body == Array("ok".utf8))
    }

    @Test func refusesAHeadOver16KiBWithoutWaitingForItsEnd() {
        let text = "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + String(repeating: "a", count: 16_400)
        let (_, error) = parse(Array(text.utf8), chunk: 1000)
        #expect(error?.status == 431)
        #expect(error?.code == "request_header_fields_too_large")
    }

    @Test func acceptsAHeadJustUnder16KiB() {
        let prefix = "GET / HTTP/1.1\r\nHost: h\r\nX-Big: "
        let filler = String(repeating: "a", count: HTTPRequestParser.maxHeadSize - prefix.utf8.count - 4)
        let (requests, error) = parse(Array((prefix + filler + "\r\n\r\n").utf8), chunk: 512)
        #expect(error == nil)
        #expect(requests.count == 1)
        let (_, over) = parse(Array((prefix + filler + "a\r\n\r\n").utf8), chunk: 512)
        #expect(over?.status == 431)
    }

    @Test func refusesMoreThan100Fields() {
        var text = "GET / HTTP/1.1\r\nHost: h\r\n"
        for i in 0..<101 { text += "X-\(i): v\r\n" }
        let (_, error) = parse(Array((text + "\r\n").utf8), chunk: 4096)
        #expect(error?.status == 431)
    }

    @Test func waitsOnATruncatedHeadAndBody() throws {
        var parser = HTTPRequestParser()
        parser.append(Array("POST / HTTP/1.1\r\nHost: h\r\nContent-Len".utf8))
        #expect(try parser.next() == nil)
        #expect(parser.isReadingHead)
        parser.append(Array("gth: 10\r\n\r\nabc".utf8))
        guard case .head = try parser.next() else {
            Issue.record("expected a head")
            return
        }
        guard case .body(let part) = try parser.next() else {
            Issue.record("expected body bytes")
            return
        }
        #expect(part == Array("abc".utf8))
        #expect(try parser.next() == nil)
    }

    @Test func keepAliveFollowsVersionAndConnectionHeader() {
        let (r10, _) = parse(Array("GET / HTTP/1.0\r\n\r\n".utf8), chunk: 100)
        #expect(r10.first?.keepAlive == false)
        let (r10k, _) = parse(Array("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n".utf8), chunk: 100)
        #expect(r10k.first?.keepAlive == true)
        let (r11, _) = parse(
            Array("GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, close\r\n\r\n".utf8),
            chunk: 100
        )
        #expect(r11.first?.keepAlive == false)
    }

    @Test func failsOnceAndStaysFailed() {
        var parser = HTTPRequestParser()
        parser.append(Array("BAD\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n".utf8))
        #expect(throws: HTTPParseError.self) { try parser.next() }
        #expect(throws: HTTPParseError.self) { try parser.next() }
    }
}

extension HTTPRequestParser.Event? {
    static func == (a: Self, b: Self) -> Bool {
        switch (a, b) {
        case (nil, nil): true
        default: false
        }
    }
}
