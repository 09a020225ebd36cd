#if canImport(Glibc)
    import Glibc
#endif

/// CPU time and memory of a process, from /proc.
struct ProcessStats {
    /// User plus system CPU seconds.
    var cpuSeconds: Double
    /// User CPU seconds alone (the rest is the kernel: syscalls and, on loopback, the peer's TCP receive path).
    var userSeconds: Double
    /// Resident set size in bytes.
    var rssBytes: Int

    static func read(pid: Int32) -> ProcessStats? {
        guard let stat = Self.file("/proc/\(pid)/stat"), let status = Self.file("/proc/\(pid)/status") else {
            return nil
        }
        // Fields after the command name (which may contain spaces) start at ")"; utime and stime are fields 14, 15.
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let utime = Double(fields[11]), let stime = Double(fields[12]) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        var rss = 0
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            rss = (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
        }
        return ProcessStats(cpuSeconds: (utime + stime) / ticks, userSeconds: utime / ticks, rssBytes: rss)
    }

    /// This process's CPU seconds (getrusage).
    static func ownCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
            + Double(usage.ru_stime.tv_usec) / 1e6
    }

    private static func file(_ path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            out += buffer[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Monotonic nanoseconds, comparable across processes on this machine.
func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
