import Dispatch
import Transport

#if canImport(Glibc)
import Glibc
#endif

// A synchronous main that waits on a semaphore: valgrind 3.19 crashes on an `async` main that also starts threads,
// and the server is profiled with callgrind (docs/PERFORMANCE.md).
func runBlocking(_ body: @escaping @Sendable () async -> Void) {
    let done = DispatchSemaphore(value: 0)
    Task {
        await body()
        done.signal()
    }
    done.wait()
}

/// `incident-bench serve --port P [--loops N]` and `incident-bench run ...`; see docs/PERFORMANCE.md.
let arguments = Array(CommandLine.arguments.dropFirst())
guard let command = arguments.first else {
    print(BenchOptions.usage)
    exit(2)
}
let options: BenchOptions
do {
    options = try BenchOptions(Array(arguments.dropFirst()))
} catch {
    print("\(error)\n\(BenchOptions.usage)")
    exit(2)
}
switch command {
case "serve":
    let router = Router()
    TestEndpoints.install(on: router)
    router.add(.get, "/healthz") { _ in .text(200, "ok\n") }
    var configuration = HTTPServer.Configuration(host: options.host, port: options.port)
    if let loops = options.loops { configuration.eventLoops = loops }
    let server = HTTPServer(configuration: configuration, router: router)
    do {
        try server.start()
    } catch {
        print("incident-bench serve: cannot listen on \(options.host):\(options.port): \(error)")
        exit(1)
    }
    BenchRun(options: options).say("incident-bench serving on \(options.host):\(server.port) with \(configuration.eventLoops) loop(s)")
    runBlocking { await server.shutdownOnSignals() }
case "run":
    runBlocking { await BenchRun(options: options).run() }
default:
    print(BenchOptions.usage)
    exit(2)
}
