import Dispatch
import Foundation
import Transport
import TransportTesting

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

/// `incident-bench serve`, `run`, `room`, `soak` and `disk-sync`; see BenchOptions.usage and docs/PERFORMANCE.md.
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
    configuration.flushDelay = .microseconds(options.flushDelayMicroseconds)
    let server = HTTPServer(configuration: configuration, router: router)
    do {
        try server.start()
    } catch {
        print("incident-bench serve: cannot listen on \(options.host):\(options.port): \(error)")
        exit(1)
    }
    BenchRun(options: options).say(
        "incident-bench serving on \(options.host):\(server.port) with \(configuration.eventLoops) loop(s)"
    )
    runBlocking { await server.shutdownOnSignals() }
case "run":
    runBlocking { await BenchRun(options: options).run() }
case "room":
    runBlocking {
        var options = options
        let setup = RoomSetup(base: options.service)
        do {
            let connections = try await setup.prepare(
                connections: options.connections, rooms: options.rooms, password: options.password)
            let tokenFile = "/tmp/incident-bench-tokens-\(getpid())"
            try connections.map(\.token).joined(separator: "\n").write(
                toFile: tokenFile, atomically: true, encoding: .utf8)
            defer { unlink(tokenFile) }
            var rooms: [String] = []
            for connection in connections where !rooms.contains(connection.room) { rooms.append(connection.room) }
            options.roomIDs = rooms
            options.tokenFile = tokenFile
            options.pathTemplate = "/ws/{room}"
            options.url = "ws" + options.service.dropFirst(4) + "/"
            await BenchRun(options: options).run()
        } catch {
            print("incident-bench room: \(error)")
            exit(1)
        }
    }
case "soak":
    runBlocking { await SoakRun(options: options).run() }
case "disk-sync":
    let probe = DiskSyncProbe(path: options.path, rate: options.rate ?? 20, seconds: options.seconds)
    do {
        let result = try probe.run()
        BenchRun(options: options).say(result.report)
        if options.failOnStall && result.stalls > 0 { exit(3) }
    } catch {
        print("incident-bench disk-sync: \(error)")
        exit(1)
    }
default:
    print(BenchOptions.usage)
    exit(2)
}
