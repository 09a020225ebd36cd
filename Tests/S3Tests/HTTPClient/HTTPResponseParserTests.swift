import HTTPCore
import HTTPClient
import Testing

struct HTTPResponseParserTests {
    struct Parsed: Equatable {
        var head: HTTPResponseHead
        var body: [UInt8]
        var reusable: Bool
    }

    /// Feeds `bytes` in chunks of `chunkSize`, then the end of input, and collects the response.
    static func parse(
        _ text: String, chunkSize: Int, isHeadRequest: Bool = false,
        limits: HTTPResponseParser.Limits = HTTPResponseParser.Limits()
    ) throws(HTTPClientError) -> Parsed {
        let bytes = Array(text.utf8)
        var parser = HTTPResponseParser(isHeadRequest: isHeadRequest, limits: limits)
        var head: HTTPResponseHead?
        var body: [UInt8] = []
        var offset = 0
        while true {
            guard let event = try parser.next() else {
                if offset < bytes.count {
                    parser.append(bytes[offset..<min(offset + chunkSize, bytes.count)])
                    offset += chunkSize
                } else {
                    parser.endOfInput()
                }
                continue
            }
            switch event {
            case .head(let h): head = h
            case .body(let b): body += b
            case .end:
                guard let head else { throw HTTPClientError(.malformedResponse) }
                return Parsed(head: head, body: body, reusable: parser.isReusable && !parser.hasExtraBytes)
            }
        }
    }

    // MARK: - Valid responses at every split

    @Test(arguments: 1...17)
    func contentLength(chunkSize: Int) throws {
        let parsed = try Self.parse(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\nX-Empty:\r\n\r\nhello world",
            chunkSize: chunkSize)
        #expect(parsed.head.status == 200)
        #expect(parsed.head.reason == "OK")
        #expect(parsed.head.headers["content-type"] == "text/plain")
        #expect(parsed.head.headers["X-Empty"] == "")
        #expect(parsed.body == Array("hello world".utf8))
        #expect(parsed.reusable)
    }

    @Test(arguments: 1...17)
    func chunkedWithExtensionsAndTrailers(chunkSize: Int) throws {
        let parsed = try Self.parse(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;name=value\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n",
            chunkSize: chunkSize)
        #expect(parsed.body == Array("hello 0123456789".utf8))
        #expect(parsed.reusable)
    }

    @Test(arguments: 1...17)
    func untilCloseAndInterimResponses(chunkSize: Int) throws {
        let parsed = try Self.parse(
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\nServer: old\r\n\r\nall of it", chunkSize: chunkSize)
        #expect(parsed.head.minorVersion == 0)
        #expect(parsed.body == Array("all of it".utf8))
        #expect(!parsed.reusable)
    }

    @Test(arguments: 1...17)
    func responsesWithoutBodies(chunkSize: Int) throws {
        let head = try Self.parse(
            "HTTP/1.1 200 OK\r\nContent-Length: 20971520\r\n\r\n", chunkSize: chunkSize, isHeadRequest: true)
        #expect(head.body.isEmpty)
        #expect(head.head.headers["Content-Length"] == "20971520")
        #expect(head.reusable)
        let noContent = try Self.parse("HTTP/1.1 204 No Content\r\n\r\n", chunkSize: chunkSize)
        #expect(noContent.head.status == 204)
        #expect(noContent.reusable)
        let closing = try Self.parse(
            "HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", chunkSize: chunkSize)
        #expect(!closing.reusable)
        let noReason = try Self.parse("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", chunkSize: chunkSize)
        #expect(noReason.head.reason == "")
    }

    @Test func repeatedEqualContentLengthsAreOneLength() throws {
        let parsed = try Self.parse("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok", chunkSize: 4)
        #expect(parsed.body == Array("ok".utf8))
    }

    @Test func extraBytesAfterTheResponseMakeTheConnectionUnusable() throws {
        let parsed = try Self.parse("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokGARBAGE", chunkSize: 100)
        #expect(!parsed.reusable)
    }

    // MARK: - Hostile responses

    @Test(arguments: 1...17)
    func badChunkSizesAreRefused(chunkSize: Int) {
        let cases = [
            "zz\r\n", "-1\r\n", "\r\n", " 5\r\n", "0x5\r\n", "1000000000000000\r\n",  // 16 hex digits
            "5\r\nhelloXX", "5\r\nhello\n0\r\n\r\n",
        ]
        for chunked in cases {
            #expect(throws: HTTPClientError.self, "\(chunked)") {
                try Self.parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked, chunkSize: chunkSize)
            }
        }
    }

    @Test func aChunkSizeLineWithoutEndIsRefusedAtItsLimit() {
        let endless = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;" + String(repeating: "x", count: 5000)
        #expect(throws: HTTPClientError(.invalidChunk)) { try Self.parse(endless, chunkSize: 512) }
    }

    @Test(arguments: [1, 7, 4096])
    func oversizeHeadersAreRefused(chunkSize: Int) {
        let big = "HTTP/1.1 200 OK\r\nX-Big: " + String(repeating: "a", count: 70_000) + "\r\n\r\n"
        #expect(throws: HTTPClientError(.headersTooLarge)) { try Self.parse(big, chunkSize: chunkSize) }
        let many = "HTTP/1.1 200 OK\r\n" + String(repeating: "X-A: 1\r\n", count: 200) + "Content-Length: 0\r\n\r\n"
        #expect(throws: HTTPClientError(.headersTooLarge)) { try Self.parse(many, chunkSize: chunkSize) }
        let endless = "HTTP/1.1 200 OK\r\nX-Big: " + String(repeating: "a", count: 70_000)
        #expect(throws: HTTPClientError(.headersTooLarge)) { try Self.parse(endless, chunkSize: chunkSize) }
    }

    @Test(arguments: 1...17)
    func truncatedBodiesAreRefused(chunkSize: Int) {
        let cases = [
            "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n",
            "HTTP/1.1 200 OK\r\nContent-Len",
            "",
        ]
        for text in cases {
            #expect(throws: HTTPClientError.self, "\(text)") { try Self.parse(text, chunkSize: chunkSize) }
            do {
                _ = try Self.parse(text, chunkSize: chunkSize)
            } catch {
                #expect(error.code == .connectionClosed, "\(text)")
            }
        }
    }

    @Test(arguments: [
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",  // smuggling
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
        "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
        "HTTP/2 200 OK\r\n\r\n",
        "HTTP/1.1 20 OK\r\n\r\n",
        "HTTP/1.1 abc OK\r\n\r\n",
        "ICY 200 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nName : x\r\n\r\n",
        "HTTP/1.1 200 OK\r\n folded: x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",
        "HTTP/1.1 101 Switching Protocols\r\n\r\n",
    ])
    func malformedResponsesAreRefused(text: String) {
        #expect(throws: HTTPClientError.self) { try Self.parse(text, chunkSize: 3) }
    }
}
