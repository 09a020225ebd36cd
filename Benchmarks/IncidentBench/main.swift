import Transport

#if canImport(Glibc)
import Glibc
#endif

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
    await server.shutdownOnSignals()
case "run":
    await BenchRun(options: options).run()
default:
    print(BenchOptions.usage)
    exit(2)
}
