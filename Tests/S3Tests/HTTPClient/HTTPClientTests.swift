import HTTPCore
import Foundation
import Crypto
import HTTPClient
import S3
import Synchronization
import TestSupport
import Testing

struct HTTPClientTests {
    static let fast = HTTPClientConfiguration(connectTimeout: .seconds(2), readTimeout: .seconds(5))

    /// Answers every request with its method, target and body size, keeping the connection alive.
    static func echoServer() throws -> LoopbackServer {
        try LoopbackServer { connection in
            while let request = connection.readRequest() {
                let body = Array(
                    "\(request.method) \(request.target) \(request.body.count) \(Digest.hex(Digest.sha256(request.body)))"
                        .utf8)
                connection.write("HTTP/1.1 200 OK\r\nContent-Length: \(body.count)\r\n\r\n")
                connection.write(body)
            }
        }
    }

    @Test func keepAliveConnectionsAreReused() async throws {
        let server = try Self.echoServer()
        defer { server.stop() }
        let client = HTTPClient(configuration: Self.fast)
        for index in 0..<5 {
            let response = try await client.request(method: "GET", url: "http://127.0.0.1:\(server.port)/n/\(index)")
            #expect(response.status == 200)
            #expect(response.bodyText.hasPrefix("GET /n/\(index) 0 "))
        }
        #expect(server.connections == 1)
    }

    @Test func concurrentRequestsUseSeveralConnectionsThenReuseThem() async throws {
        let server = try Self.echoServer()
        defer { server.stop() }
        let client = HTTPClient(configuration: Self.fast)
        try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<6 {
                group.addTask {
                    try await client.request(
                        method: "POST", url: "http://127.0.0.1:\(server.port)/\(index)", body: [1, 2]
                    ).status
                }
            }
            for try await status in group { #expect(status == 200) }
        }
        let before = server.connections
        _ = try await client.request(method: "GET", url: "http://127.0.0.1:\(server.port)/again")
        #expect(server.connections == before)
        #expect(before <= 6)
    }

    @Test func fileBodiesAreStreamedFromTheirRange() async throws {
        let server = try Self.echoServer()
        defer { server.stop() }
        let bytes = (0..<(3 * 65536 + 123)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let path = try ObjectStorageContract.temporaryFile(bytes)
        defer { unlink(path) }
        let client = HTTPClient(configuration: Self.fast)
        let request = try HTTPClientRequest(
            method: "PUT", url: "http://127.0.0.1:\(server.port)/file",
            body: .file(path: path, offset: 100, length: Int64(bytes.count - 200)))
        let response = try await client.execute(request)
        let expected = Array(bytes[100..<(bytes.count - 100)])
        #expect(response.bodyText == "PUT /file \(expected.count) \(Digest.hex(Digest.sha256(expected)))")
    }

    @Test func aFileShorterThanAnnouncedFailsInsteadOfHanging() async throws {
        let server = try Self.echoServer()
        defer { server.stop() }
        let path = try ObjectStorageContract.temporaryFile([1, 2, 3])
        defer { unlink(path) }
        let request = try HTTPClientRequest(
            method: "PUT", url: "http://127.0.0.1:\(server.port)/", body: .file(path: path, offset: 0, length: 10))
        await #expect(throws: HTTPClientError(.bodyFileUnreadable)) {
            try await HTTPClient(configuration: Self.fast).execute(request)
        }
    }

    @Test func chunkedResponsesStreamToTheHandler() async throws {
        let server = try LoopbackServer { connection in
            while connection.readRequest() != nil {
                connection.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                for index in 0..<50 {
                    let piece = String(repeating: Character(String(index % 10)), count: 1000)
                    connection.write(String(piece.utf8.count, radix: 16) + "\r\n" + piece + "\r\n")
                }
                connection.write("0\r\n\r\n")
            }
        }
        defer { server.stop() }
        let client = HTTPClient(configuration: Self.fast)
        let (status, total, pieces) = try await client.execute(
            try HTTPClientRequest(method: "GET", url: "http://127.0.0.1:\(server.port)/stream")
        ) { head, reader in
            var total = 0
            var pieces = 0
            while let piece = try reader.next() {
                total += piece.count
                pieces += 1
            }
            return (head.status, total, pieces)
        }
        #expect(status == 200)
        #expect(total == 50_000)
        #expect(pieces >= 1)
        // The connection went back to the pool: a second request does not reconnect.
        _ = try await client.request(method: "GET", url: "http://127.0.0.1:\(server.port)/stream")
        #expect(server.connections == 1)
    }

    @Test func aPooledConnectionTheServerClosedIsRetriedOnANewOne() async throws {
        // Answers one request per connection, then closes without saying so.
        let server = try LoopbackServer { connection in
            guard connection.readRequest() != nil else { return }
            connection.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        }
        defer { server.stop() }
        let client = HTTPClient(configuration: Self.fast)
        for _ in 0..<3 {
            let response = try await client.request(method: "GET", url: "http://127.0.0.1:\(server.port)/")
            #expect(response.bodyText == "ok")
        }
        #expect(server.connections == 3)
    }

    @Test func anEarlyAnswerToALargeUploadIsReturned() async throws {
        // Refuses before reading the body, as S3 does for a bad signature, and closes.
        let server = try LoopbackServer { connection in
            connection.write("HTTP/1.1 403 Forbidden\r\nContent-Length: 6\r\nConnection: close\r\n\r\ndenied")
        }
        defer { server.stop() }
        let response = try await HTTPClient(configuration: Self.fast).request(
            method: "PUT", url: "http://127.0.0.1:\(server.port)/", body: [UInt8](repeating: 7, count: 8 << 20))
        #expect(response.status == 403)
        #expect(response.bodyText == "denied")
    }

    @Test func refusedConnectionsFailWithoutWaitingForTheTimeout() async throws {
        // A connect timeout far longer than the bound: only an immediate refusal passes (on a loaded machine too).
        let patient = HTTPClient(configuration: HTTPClientConfiguration(connectTimeout: .seconds(20)))
        let port = try unusedLoopbackPort()
        let start = ContinuousClock.now
        await #expect(throws: HTTPClientError(.connectFailed)) {
            try await patient.request(method: "GET", url: "http://127.0.0.1:\(port)/")
        }
        #expect(ContinuousClock.now - start < .seconds(10))
        await #expect(throws: HTTPClientError(.dnsFailure)) {
            try await HTTPClient(configuration: Self.fast).request(method: "GET", url: "http://no-such-host.invalid/")
        }
    }

    @Test func aSilentServerTimesOut() async throws {
        let server = try LoopbackServer { connection in connection.waitForClose() }
        defer { server.stop() }
        let client = HTTPClient(configuration: HTTPClientConfiguration(readTimeout: .milliseconds(300)))
        let start = ContinuousClock.now
        await #expect(throws: HTTPClientError(.readTimeout)) {
            try await client.request(method: "GET", url: "http://127.0.0.1:\(server.port)/")
        }
        #expect(ContinuousClock.now - start >= .milliseconds(300))
        #expect(ContinuousClock.now - start < .seconds(10))
    }

    @Test func cancellingTheTaskStopsTheRequest() async throws {
        let server = try LoopbackServer { connection in connection.waitForClose() }
        defer { server.stop() }
        let client = HTTPClient(configuration: HTTPClientConfiguration(readTimeout: .seconds(60)))
        let start = ContinuousClock.now
        let task = Task { try await client.request(method: "GET", url: "http://127.0.0.1:\(server.port)/") }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        await #expect(throws: HTTPClientError(.cancelled)) { try await task.value }
        #expect(ContinuousClock.now - start < .seconds(20))  // the read timeout is 60 s
    }

    @Test(arguments: [
        ("X-Test", "a\r\nX-Injected: 1"), ("X-Test", "a\nb"), ("X-Test", "a\u{0}b"), ("Bad Name", "v"), ("", "v"),
        ("X:Colon", "v"),
    ])
    func headerInjectionIsRefusedBeforeConnecting(name: String, value: String) async throws {
        // Nothing listens on this port: the refusal must come from the validation, not from the network.
        let request = try HTTPClientRequest(
            method: "GET", url: "http://127.0.0.1:\(try unusedLoopbackPort())/", headers: HTTPHeaders([(name, value)])
        )
        await #expect(throws: HTTPClientError(.invalidHeader)) {
            try await HTTPClient(configuration: Self.fast).execute(request)
        }
    }

    @Test func oversizedCollectedBodiesAreRefused() async throws {
        let server = try Self.echoServer()
        defer { server.stop() }
        let request = try HTTPClientRequest(method: "GET", url: "http://127.0.0.1:\(server.port)/")
        await #expect(throws: HTTPClientError(.bodyTooLarge)) {
            try await HTTPClient(configuration: Self.fast).execute(request, maximumBodyBytes: 10)
        }
    }
}
