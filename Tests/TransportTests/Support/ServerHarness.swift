import Glibc
import Testing
import Transport

/// A router with the routes `build` adds.
func makeRouter(_ build: (Router) -> Void) -> Router {
    let router = Router()
    build(router)
    return router
}

/// The test server's configuration (loopback, ephemeral port, two loops) with `edit` applied.
func testConfiguration(_ edit: (inout HTTPServer.Configuration) -> Void = { _ in }) -> HTTPServer.Configuration {
    var configuration = HTTPServer.Configuration(host: "127.0.0.1", port: 0, eventLoops: 2)
    edit(&configuration)
    return configuration
}

/// Starts a server on an ephemeral loopback port, runs `body`, then shuts it down.
func withServer(
    _ configuration: HTTPServer.Configuration = testConfiguration(),
    router: Router,
    _ body: (HTTPServer) async throws -> Void
) async throws {
    let server = HTTPServer(configuration: configuration, router: router)
    try server.start()
    do {
        try await body(server)
    } catch {
        await server.shutdown()
        throw error
    }
    await server.shutdown()
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        String(self.drop { $0 == set }.reversed().drop { $0 == set }.reversed())
    }

    func components(separatedBy separator: String) -> [String] {
        self.split(separator: separator, omittingEmptySubsequences: false).map(String.init)
    }
}
