import Domain
import Foundation
import Synchronization
import Transport

#if canImport(Glibc)
    import Glibc
#endif

/// `incident-bench soak`: many WebSockets held for a long time against a real incidentd, with pings (the server's,
/// answered by the clients) and a trickle of messages, beside two hostile clients: one that floods pings and never
/// reads, one that uploads a byte a second. It samples the server's RSS and checks that every well-behaved client
/// got every message of its room, in order, once (docs/SECURITY.md, "The soak").
struct SoakRun {
    let options: BenchOptions

    /// What one room connection saw.
    final class Tally: @unchecked Sendable {
        // Touched only on the client loop the connection runs on.
        var last: Int64 = 0
        var messages = 0
        var gaps = 0
        var duplicates = 0
        var synced = false
    }

    func say(_ text: String) { BenchRun(options: self.options).say(text) }

    func run() async {
        BenchRun.raiseFileLimit()
        let users = max(1, min(self.options.users, self.options.connections))
        let rooms = max(1, self.options.rooms)
        guard users % rooms == 0 else {
            self.say("--users must be a multiple of --rooms, so that each user's sockets are in one room")
            exit(2)
        }
        let setup = RoomSetup(base: self.options.service)
        let placed: [RoomSetup.Connection]
        do {
            placed = try await setup.prepare(connections: users, rooms: rooms, password: self.options.password)
        } catch {
            self.say("soak: \(error)")
            exit(1)
        }
        let roomIDs = (0..<rooms).map { placed[$0].room }
        guard let (host, port, _) = BenchRun.parse(url: "ws" + self.options.service.dropFirst(4) + "/") else {
            self.say("bad --service \(self.options.service)")
            exit(2)
        }
        var loops: [EventLoop] = []
        for index in 0..<max(1, self.options.clientLoops) {
            let loop = try! EventLoop(index: 200 + index)
            loop.start()
            loops.append(loop)
        }
        let pid = self.options.serverPID
        let before = pid.flatMap { ProcessStats.read(pid: $0) }

        // Connection i is user i mod users, in that user's room.
        let count = self.options.connections
        var clients = [WebSocketClient?](repeating: nil, count: count)
        let tallies = (0..<count).map { _ in Tally() }
        let started = ContinuousClock.now
        await withTaskGroup(of: (Int, WebSocketClient?).self) { group in
            var next = 0
            func add() {
                let i = next
                next += 1
                let seat = placed[i % users]
                let tally = tallies[i]
                let loop = loops[i % loops.count]
                group.addTask {
                    let client = try? await WebSocketClient.connect(
                        host: host, port: port, path: "/ws/\(seat.room)",
                        headers: [("Authorization", "Bearer \(seat.token)")], timeout: .seconds(30), loop: loop,
                        onMessage: { _ in }, onTextBytes: { bytes in Self.count(bytes, in: tally) })
                    return (i, client)
                }
            }
            while next < min(64, count) { add() }
            for await (i, client) in group {
                clients[i] = client
                if next < count { add() }
            }
        }
        let connected = clients.count { $0 != nil }
        self.say(
            "soak: \(connected)/\(count) sockets of \(users) users in \(rooms) rooms connected in "
                + "\(BenchRun.fixed(Self.seconds(since: started), 1)) s")

        let flooder = Task {
            await Self.floodPings(host: host, port: port, seat: placed[0], seconds: self.options.seconds)
        }
        let uploader = Task {
            await Self.trickleUpload(host: host, port: port, seat: placed[0], seconds: self.options.seconds)
        }

        // The trickle: one sender per room, `rate` messages a second in all, spread over the rooms.
        let senders = (0..<rooms).compactMap { room in
            clients.indices.first { $0 % users % rooms == room && clients[$0] != nil }
        }
        let interval = Duration.seconds(Double(rooms) / max(0.1, self.options.rate ?? 5))
        var sent = [Int](repeating: 0, count: rooms)
        var samples: [(Double, Int)] = []
        let deadline = ContinuousClock.now + .seconds(self.options.seconds)
        var nextSample = ContinuousClock.now
        var number = 0
        while ContinuousClock.now < deadline {
            for (room, index) in senders.enumerated() {
                number += 1
                try? await clients[index]?.send(
                    text: #"{"type":"message","content":"soak \#(number)","client_id":"soak-\#(number)"}"#)
                sent[room] += 1
            }
            if ContinuousClock.now >= nextSample, let pid, let stats = ProcessStats.read(pid: pid) {
                samples.append((Self.seconds(since: started), stats.rssBytes))
                nextSample = ContinuousClock.now + .seconds(10)
            }
            try? await Task.sleep(for: interval)
        }
        // Let the last messages arrive.
        try? await Task.sleep(for: .seconds(3))
        let pings = await flooder.value
        let uploads = await uploader.value

        // Every well-behaved socket: all of its room's messages (each room's first message is its room_created and
        // the members it was told of came before the sockets), in order, once.
        let totals = await Self.collect(loops, tallies)
        var short = 0
        var gaps = 0
        var duplicates = 0
        for (index, total) in totals.enumerated() where clients[index] != nil {
            let room = index % users % rooms
            if total.messages < sent[room] { short += 1 }
            gaps += total.gaps
            duplicates += total.duplicates
        }
        self.say(
            "soak: \(sent.reduce(0, +)) messages sent; sockets missing any: \(short); gaps: \(gaps); "
                + "duplicates: \(duplicates)")
        self.say("soak: ping flooder sent \(pings.sent) pings, read nothing; it was \(pings.outcome)")
        self.say("soak: byte-a-second uploads: \(uploads.attempts) started, \(uploads.timedOut) cut off with 408")
        if let before, !samples.isEmpty {
            let values = samples.map(\.1)
            self.say(
                "soak: server RSS before \(before.rssBytes / 1024) KiB; during (every 10 s) min \(values.min()! / 1024) "
                    + "max \(values.max()! / 1024) first \(values.first! / 1024) last \(values.last! / 1024) KiB")
            self.say(
                "soak: RSS samples (s, KiB): " + samples.map { "\(Int($0.0)):\($0.1 / 1024)" }.joined(separator: " "))
        }
        for client in clients { client?.disconnect() }
        for room in roomIDs.indices where sent[room] == 0 { self.say("soak: room \(roomIDs[room]) had no sender") }
    }

    private static func count(_ bytes: [UInt8], in tally: Tally) {
        guard let event = try? JSONParser().parse(bytes), let type = event["type"]?.stringValue else { return }
        switch type {
        case "connected":
            tally.last = Int64(event["last_sequence_number"]?.numberValue ?? 0)
            tally.synced = true
        case "message":
            guard let sequence = event["message"]?["sequence_number"]?.numberValue.map(Int64.init) else { return }
            if sequence <= tally.last {
                tally.duplicates += 1
            } else {
                if sequence != tally.last + 1 { tally.gaps += 1 }
                tally.last = sequence
                tally.messages += 1
            }
        default:
            return
        }
    }

    private static func collect(_ loops: [EventLoop], _ tallies: [Tally]) async -> [(
        messages: Int, gaps: Int, duplicates: Int
    )] {
        var totals: [(messages: Int, gaps: Int, duplicates: Int)] = []
        for (index, tally) in tallies.enumerated() {
            let loop = loops[index % loops.count]
            totals.append(
                await withCheckedContinuation { continuation in
                    loop.execute { continuation.resume(returning: (tally.messages, tally.gaps, tally.duplicates)) }
                })
        }
        return totals
    }

    /// A client that upgrades and then sends pings as fast as the server reads them, never reading its answers.
    private static func floodPings(host: String, port: Int, seat: RoomSetup.Connection, seconds: Double) async -> (
        sent: Int, outcome: String
    ) {
        guard let fd = Self.connect(host: host, port: port) else { return (0, "not connected") }
        defer { close(fd) }
        let key = WebSocketHandshake.randomKey()
        let upgrade =
            "GET /ws/\(seat.room) HTTP/1.1\r\nHost: \(host)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer \(seat.token)\r\n\r\n"
        _ = Self.write(fd, Array(upgrade.utf8))
        let ping = WebSocketFrameEncoder.encode(opcode: .ping, payload: [UInt8](repeating: 0x70, count: 125), mask: 1)
            .bytes
        var sent = 0
        var pending: [UInt8] = []
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if pending.isEmpty {
                pending = ping
                sent += 1
            }
            let n = pending.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT | MSG_NOSIGNAL)) }
            if n > 0 {
                pending.removeFirst(n)
            } else if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                try? await Task.sleep(for: .milliseconds(20))  // not being read: its buffers are full
            } else {
                return (sent, "closed by the server after \(sent) pings")
            }
        }
        return (sent, "still open, not read past its bound")
    }

    /// Uploads that send one byte a second: each should be cut off (408) within the body's minimum-rate window.
    private static func trickleUpload(host: String, port: Int, seat: RoomSetup.Connection, seconds: Double) async
        -> (attempts: Int, timedOut: Int)
    {
        var attempts = 0
        var timedOut = 0
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            guard let fd = Self.connect(host: host, port: port) else { break }
            attempts += 1
            let head =
                "POST /api/rooms/\(seat.room)/files HTTP/1.1\r\nHost: \(host)\r\nAuthorization: Bearer \(seat.token)\r\n"
                + "Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 1000000\r\n\r\n"
            _ = Self.write(fd, Array(head.utf8))
            var answer: [UInt8] = []
            while ContinuousClock.now < deadline {
                guard Self.write(fd, [0x78]) != nil else { break }
                try? await Task.sleep(for: .seconds(1))
                var buffer = [UInt8](repeating: 0, count: 4096)
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                if n > 0 { answer += buffer[0..<n] }
                if n == 0 || String(decoding: answer, as: UTF8.self).contains("HTTP/1.1 408") { break }
            }
            if String(decoding: answer, as: UTF8.self).contains("HTTP/1.1 408") { timedOut += 1 }
            close(fd)
        }
        return (attempts, timedOut)
    }

    /// A TCP connection to an IPv4 address (the bench runs on the server's machine), or nil.
    private static func connect(host: String, port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port)).bigEndian
        address.sin_addr.s_addr = inet_addr(host == "localhost" ? "127.0.0.1" : host)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    /// True when everything was written, false when the socket would block, nil when it failed.
    private static func write(_ fd: Int32, _ bytes: [UInt8]) -> Bool? {
        let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT | MSG_NOSIGNAL)) }
        if n == bytes.count { return true }
        if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return false }
        if n >= 0 { return false }
        return nil
    }

    private static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = start.duration(to: .now)
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
