import Foundation
import HTTPClient
import Testing

/// TLS against Python's ssl module serving a certificate made for `localhost` by a throwaway CA.
@Suite(.serialized)
struct HTTPClientTLSTests {
    final class Server {
        let directory: URL
        let process = Process()
        let port: Int
        var caFile: String { self.directory.appendingPathComponent("ca.pem").path }

        init() throws {
            self.directory = FileManager.default.temporaryDirectory.appendingPathComponent("tls-\(UUID())")
            try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
            let d = self.directory.path
            try Self.run(
                "/bin/sh",
                [
                    "-c",
                    """
                    set -e; cd '\(d)'
                    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=test-ca 2>/dev/null
                    openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=localhost 2>/dev/null
                    printf 'subjectAltName=DNS:localhost\\n' > ext.cnf
                    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile ext.cnf 2>/dev/null
                    """,
                ])
            let script = """
                import http.server, ssl, sys
                class H(http.server.BaseHTTPRequestHandler):
                    protocol_version = "HTTP/1.1"
                    def do_GET(self):
                        body = ("tls ok " + self.path).encode()
                        self.send_response(200)
                        self.send_header("Content-Length", str(len(body)))
                        self.end_headers()
                        self.wfile.write(body)
                    def log_message(self, *args):
                        pass
                server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                context.load_cert_chain(sys.argv[1], sys.argv[2])
                server.socket = context.wrap_socket(server.socket, server_side=True)
                print(server.server_address[1], flush=True)
                server.serve_forever()
                """
            self.process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            self.process.arguments = ["python3", "-c", script, "\(d)/server.pem", "\(d)/server.key"]
            let output = Pipe()
            self.process.standardOutput = output
            try self.process.run()
            var line = Data()
            while !line.contains(0x0A) {
                let byte = output.fileHandleForReading.readData(ofLength: 1)
                guard !byte.isEmpty else { break }
                line.append(byte)
            }
            self.port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        }

        func stop() {
            // SIGKILL: a child may inherit a mask that blocks SIGTERM from the thread that spawned it.
            kill(self.process.processIdentifier, SIGKILL)
            self.process.waitUntilExit()
            try? FileManager.default.removeItem(at: self.directory)
        }

        static func run(_ tool: String, _ arguments: [String]) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: tool)
            process.arguments = arguments
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw HTTPClientError(.tlsFailure, note: "openssl") }
        }
    }

    @Test func verifiesTheCertificateAndTheHostName() async throws {
        let server = try Server()
        defer { server.stop() }
        try #require(server.port > 0)
        let trusting = HTTPClient(configuration: HTTPClientConfiguration(caFile: server.caFile))

        let response = try await trusting.request(method: "GET", url: "https://localhost:\(server.port)/a")
        #expect(response.status == 200)
        #expect(response.bodyText == "tls ok /a")
        // Kept alive over TLS too.
        #expect(
            try await trusting.request(method: "GET", url: "https://localhost:\(server.port)/b").bodyText == "tls ok /b"
        )

        // The certificate names localhost, not 127.0.0.1: refused even though the CA is trusted.
        await #expect(throws: HTTPClientError.self) {
            try await trusting.request(method: "GET", url: "https://127.0.0.1:\(server.port)/")
        }
        // The system store does not know the test CA.
        await #expect(throws: HTTPClientError.self) {
            try await HTTPClient().request(method: "GET", url: "https://localhost:\(server.port)/")
        }
        do {
            _ = try await HTTPClient().request(method: "GET", url: "https://localhost:\(server.port)/")
        } catch let error as HTTPClientError {
            #expect(error.code == .tlsFailure)
        }
    }

    @Test func aMissingCAFileIsATLSFailure() async throws {
        let client = HTTPClient(configuration: HTTPClientConfiguration(caFile: "/nonexistent/ca.pem"))
        await #expect(throws: HTTPClientError.self) {
            try await client.request(method: "GET", url: "https://localhost:1/")
        }
    }
}
