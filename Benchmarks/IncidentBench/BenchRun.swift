import Transport

#if canImport(Glibc)
    import Glibc
#endif

struct BenchRun {
    let options: BenchOptions

    func say(_ text: String) {
        var line = text + "\n"
        line.withUTF8 { _ = write(1, $0.baseAddress, $0.count) }
    }

    func run() async {
        guard let (host, port, prefix) = Self.parse(url: self.options.url) else {
            self.say("bad --url \(self.options.url) (want ws://host:port/path/)")
            exit(2)
        }
        Self.raiseFileLimit()
        var loops: [EventLoop] = []
        var recorders: [Recorder] = []
        for i in 0..<max(1, self.options.clientLoops) {
            let loop = try! EventLoop(index: 100 + i)
            loop.start()
            loops.append(loop)
            recorders.append(Recorder())
        }
        let roomNames =
            self.options.roomIDs.isEmpty ? (0..<self.options.rooms).map { "room\($0)" } : self.options.roomIDs
        let tokens = self.options.tokenFile.map { Self.lines(of: $0) } ?? []
        if self.options.tokenFile != nil && tokens.isEmpty {
            self.say("no tokens in \(self.options.tokenFile ?? "")")
            exit(2)
        }
        func path(_ room: String) -> String {
            if let template = self.options.pathTemplate {
                return template.replacingOccurrences("{room}", room)
            }
            return prefix + room
        }
        let pid = self.options.serverPID
        let before = pid.flatMap { ProcessStats.read(pid: $0) }

        // Connect, at most 64 handshakes in flight.
        let connectStart = monotonicNanos()
        let count = self.options.connections
        var clients = [WebSocketClient?](repeating: nil, count: count)
        var connectTimes = LatencyHistogram()
        var failures = 0
        await withTaskGroup(of: (Int, WebSocketClient?, UInt64).self) { group in
            var next = 0
            func add() {
                let i = next
                next += 1
                let loop = loops[i % loops.count]
                let recorder = recorders[i % loops.count]
                let room = roomNames[i % roomNames.count]
                var headers = self.options.headers
                if !tokens.isEmpty { headers.append(("Authorization", "Bearer \(tokens[i % tokens.count])")) }
                group.addTask {
                    let start = monotonicNanos()
                    let client = try? await WebSocketClient.connect(
                        host: host,
                        port: port,
                        path: path(room),
                        headers: headers,
                        timeout: .seconds(10),
                        loop: loop,
                        onMessage: { _ in },
                        onTextBytes: { bytes in recorder.received(bytes, now: monotonicNanos()) }
                    )
                    return (i, client, monotonicNanos() - start)
                }
            }
            while next < min(64, count) { add() }
            for await (i, client, took) in group {
                clients[i] = client
                if client == nil { failures += 1 } else { connectTimes.record(microseconds: took / 1000) }
                if next < count { add() }
            }
        }
        let connectSeconds = Double(monotonicNanos() - connectStart) / 1e9
        self.say(
            "connected \(count - failures)/\(count) in \(Self.fixed(connectSeconds, 2)) "
                + "s; per connection p50 \(Self.ms(connectTimes.percentile(0.5))) "
                + "p99 \(Self.ms(connectTimes.percentile(0.99))) max \(Self.ms(connectTimes.max))"
        )
        // Let the server settle (joins are recorded on open), then measure memory.
        try? await Task.sleep(for: .milliseconds(500))
        let connected = pid.flatMap { ProcessStats.read(pid: $0) }
        if let before, let connected, count > failures {
            let perConnection = Double(connected.rssBytes - before.rssBytes) / Double(count - failures)
            self.say(
                "server RSS \(before.rssBytes / 1024) KiB -> \(connected.rssBytes / 1024) "
                    + "KiB: \(Self.fixed(perConnection / 1024, 2)) KiB per "
                    + "connection"
            )
        }
        if self.options.idle {
            if self.options.seconds > 0 { try? await Task.sleep(for: .seconds(self.options.seconds)) }
            if let pid, let after = ProcessStats.read(pid: pid), let before {
                let growth = Double(after.rssBytes - before.rssBytes) / Double(max(1, count - failures)) / 1024
                self.say(
                    "server RSS after \(Self.fixed(self.options.seconds, 0)) s idle: \(after.rssBytes / 1024) KiB "
                        + "(\(Self.fixed(growth, 2)) KiB per connection)"
                )
            }
            for client in clients { client?.disconnect() }
            return
        }

        // Senders: the first `senders` connections of each room, each at `rate` messages per second.
        var senders: [(client: WebSocketClient, id: Int)] = []
        for r in 0..<roomNames.count {
            var picked = 0
            var i = r
            while i < count && picked < self.options.senders {
                if let client = clients[i] {
                    senders.append((client, senders.count))
                    picked += 1
                }
                i += roomNames.count
            }
        }
        var roomSizes = [Int](repeating: 0, count: roomNames.count)
        for i in 0..<count where clients[i] != nil { roomSizes[i % roomNames.count] += 1 }

        let warmup = UInt64(self.options.warmup * 1e9)
        let duration = UInt64(self.options.seconds * 1e9)
        let start = monotonicNanos()
        let windowStart = start + warmup
        let windowEnd = windowStart + duration
        for (loop, recorder) in zip(loops, recorders) {
            loop.execute {
                recorder.windowStart = windowStart
                recorder.windowEnd = windowEnd
            }
        }
        let rate = self.options.rate ?? 100
        let interval = 1e9 / rate
        let benchCPUStart = ProcessStats.ownCPUSeconds()
        var pacers: [SendPacer] = []
        for loop in loops {
            let mine = senders.enumerated().filter { $0.element.client.loop === loop }.map { index, sender in
                SendPacer.Sender(
                    client: sender.client,
                    id: sender.id,
                    room: (index / max(1, self.options.senders)) % roomNames.count,
                    offset: interval * Double(index) / Double(senders.count)
                )
            }
            if !mine.isEmpty {
                pacers.append(
                    SendPacer(
                        loop: loop,
                        senders: mine,
                        rooms: roomNames.count,
                        start: start,
                        interval: interval,
                        window: windowStart..<windowEnd
                    )
                )
            }
        }
        var sentInWindow = [Int](repeating: 0, count: roomNames.count)
        var serverAtStart: ProcessStats?
        await withTaskGroup(of: [Int].self) { group in
            for pacer in pacers { group.addTask { await pacer.run() } }
            let wait = windowStart > monotonicNanos() ? windowStart - monotonicNanos() : 0
            try? await Task.sleep(for: .nanoseconds(Int64(wait)))
            serverAtStart = pid.flatMap { ProcessStats.read(pid: $0) }
            for await counts in group {
                for room in counts.indices { sentInWindow[room] += counts[room] }
            }
        }
        let serverAtEnd = pid.flatMap { ProcessStats.read(pid: $0) }
        let benchCPU = ProcessStats.ownCPUSeconds() - benchCPUStart
        // Stragglers: wait up to 3 s more for deliveries of messages sent inside the window.
        let expected = zip(sentInWindow, roomSizes).reduce(0) { $0 + $1.0 * $1.1 }
        var histogram = LatencyHistogram()
        var delivered = 0
        let drainDeadline = monotonicNanos() + 3_000_000_000
        while true {
            (histogram, delivered) = await Self.collect(loops, recorders)
            if delivered >= expected || monotonicNanos() > drainDeadline { break }
            try? await Task.sleep(for: .milliseconds(50))
        }
        let seconds = self.options.seconds
        self.say(
            "rooms \(roomNames.count) x \(roomSizes.max() ?? 0) "
                + "connections, \(senders.count) senders at \(Self.fixed(rate, 0))/s "
                + "for \(Self.fixed(seconds, 1)) s (after \(Self.fixed(self.options.warmup, 1)) "
                + "s warm-up)"
        )
        let offered = Self.fixed(Double(expected) / seconds, 0)
        let share = Self.fixed(100 * Double(delivered) / Double(max(1, expected)), 2)
        self.say(
            "offered \(offered) deliveries/s; delivered \(delivered)/\(expected) (\(share) %) = "
                + "\(Self.fixed(Double(delivered) / seconds, 0)) frames/s"
        )
        self.say(
            "latency ms: p50 \(Self.ms(histogram.percentile(0.5))) p99 \(Self.ms(histogram.percentile(0.99))) "
                + "p999 \(Self.ms(histogram.percentile(0.999))) max \(Self.ms(histogram.max))"
        )
        if let serverAtStart, let serverAtEnd, delivered > 0 {
            let cpu = serverAtEnd.cpuSeconds - serverAtStart.cpuSeconds
            let user = serverAtEnd.userSeconds - serverAtStart.userSeconds
            let perFrame = Self.fixed(cpu * 1e6 / Double(delivered), 3)
            self.say(
                "server CPU \(Self.fixed(cpu, 2)) s (user \(Self.fixed(user, 2)) s) = "
                    + "\(Self.fixed(cpu / seconds * 100, 1)) % of a core, \(perFrame) us per delivered frame; "
                    + "RSS \(serverAtEnd.rssBytes / 1024) KiB"
            )
        }
        let benchShare = Self.fixed(benchCPU / (seconds + self.options.warmup) * 100, 1)
        self.say("bench CPU \(Self.fixed(benchCPU, 2)) s = \(benchShare) % of a core")
        for client in clients { client?.disconnect() }
    }

    static func collect(_ loops: [EventLoop], _ recorders: [Recorder]) async -> (LatencyHistogram, Int) {
        var histogram = LatencyHistogram()
        var delivered = 0
        for (loop, recorder) in zip(loops, recorders) {
            let (h, d) = await withCheckedContinuation { (c: CheckedContinuation<(LatencyHistogram, Int), Never>) in
                loop.execute { c.resume(returning: (recorder.histogram, recorder.delivered)) }
            }
            histogram.merge(h)
            delivered += d
        }
        return (histogram, delivered)
    }

    /// The non-empty lines of a text file.
    static func lines(of path: String) -> [String] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline)
            .map { String($0).trimmingLeadingSpaces }.filter { !$0.isEmpty }
    }

    static func parse(url: String) -> (String, Int, String)? {
        guard url.hasPrefix("ws://") else { return nil }
        let rest = url.dropFirst(5)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        let path = slash < rest.endIndex ? String(rest[slash...]) : "/"
        guard let colon = authority.lastIndex(of: ":"), let port = Int(authority[authority.index(after: colon)...])
        else {
            return nil
        }
        return (String(authority[..<colon]), port, path)
    }

    static func raiseFileLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }

    static func fixed(_ v: Double, _ digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let r = (v * scale).rounded() / scale
        var text = "\(r)"
        if digits == 0, text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }

    static func ms(_ microseconds: UInt64) -> String {
        Self.fixed(Double(microseconds) / 1000, 2)
    }
}

extension String {
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        self.split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
