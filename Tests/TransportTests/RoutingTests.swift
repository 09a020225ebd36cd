import Testing
import Transport

struct RequestTargetTests {
    @Test func decodesPathSegmentsAndQuery() throws {
        let target = try #require(RequestTarget("/api/rooms/a%2Fb/messages?q=hello+world&limit=5&q=%E6%9E%97&flag"))
        #expect(target.path == "/api/rooms/a/b/messages")
        #expect(target.segments == ["api", "rooms", "a/b", "messages"])
        #expect(target.queryItems.map(\.name) == ["q", "limit", "q", "flag"])
        #expect(target.queryItems.map(\.value) == ["hello world", "5", "林", ""])
    }

    @Test(arguments: ["/a%2", "/a%zz", "/a%00b", "/%C0%AF", "/?q=%G1"])
    func refusesMalformedEscapes(_ text: String) {
        #expect(RequestTarget(text) == nil)
    }

    @Test func keepsPlusInPaths() throws {
        #expect(try #require(RequestTarget("/a+b")).path == "/a+b")
    }

    @Test func acceptsAbsoluteForm() throws {
        let target = try #require(RequestTarget("http://example.com/x/y?z=1"))
        #expect(target.segments == ["x", "y"])
        #expect(target.queryItems.first?.value == "1")
    }
}
