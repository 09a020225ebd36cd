import HTTPClient
import Testing

struct HTTPURLTests {
    @Test func parsesWhatAClientNeeds() throws {
        let url = try HTTPURL("https://minio.example:9443/bucket/a%20b?x=1")
        #expect(url.isTLS)
        #expect(url.host == "minio.example")
        #expect(url.port == 9443)
        #expect(url.target == "/bucket/a%20b?x=1")
        #expect(url.hostHeader == "minio.example:9443")
        let plain = try HTTPURL("http://127.0.0.1")
        #expect(plain.port == 80)
        #expect(plain.target == "/")
        #expect(plain.hostHeader == "127.0.0.1")
        let v6 = try HTTPURL("http://[::1]:8000?q")
        #expect(v6.host == "::1")
        #expect(v6.target == "/?q")
        #expect(v6.hostHeader == "[::1]:8000")
    }

    @Test(arguments: [
        "ftp://host/", "host:80/path", "http://", "http://user:pw@host/", "http://host:0/", "http://host:65536/",
        "http://host:12a/", "http://host/a b", "http://host/#frag", "http://[::1/", "http://host:/",
    ])
    func refusesWhatItCannotUse(text: String) {
        #expect(throws: HTTPClientError.self) { try HTTPURL(text) }
    }
}
