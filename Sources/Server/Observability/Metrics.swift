import Synchronization

/// Counters and a latency histogram, rendered for `GET /metrics` in the Prometheus text format.
final class Metrics: Sendable {
    /// Upper bounds of the broadcast latency buckets, in seconds.
    static let latencyBuckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1]

    private struct State {
        var counters: [String: Double] = [:]
        var latencyCounts = [Int](repeating: 0, count: Metrics.latencyBuckets.count)
        var latencySum = 0.0
        var latencyCount = 0
    }

    private let state = Mutex(State())
    /// Reads the number of open connections when metrics are rendered.
    private let gauges: Mutex<[String: @Sendable () -> Double]> = Mutex([:])

    init() {}

    /// Adds to a counter; `name` may carry labels, e.g. `incident_messages_total{type="text"}`.
    func increment(_ name: String, by amount: Double = 1) {
        self.state.withLock { $0.counters[name, default: 0] += amount }
    }

    func observeBroadcastLatency(seconds: Double) {
        self.state.withLock { state in
            for (index, bound) in Self.latencyBuckets.enumerated() where seconds <= bound {
                state.latencyCounts[index] += 1
            }
            state.latencySum += seconds
            state.latencyCount += 1
        }
    }

    func gauge(_ name: String, _ read: @escaping @Sendable () -> Double) {
        self.gauges.withLock { $0[name] = read }
    }

    func render() -> String {
        let state = self.state.withLock { $0 }
        let gauges = self.gauges.withLock { $0 }
        var out = ""
        for (name, read) in gauges.sorted(by: { $0.key < $1.key }) {
            out += "# TYPE \(name) gauge\n\(name) \(Self.number(read()))\n"
        }
        var typed = Set<String>()
        for (name, value) in state.counters.sorted(by: { $0.key < $1.key }) {
            let family = String(name.prefix { $0 != "{" })
            if typed.insert(family).inserted { out += "# TYPE \(family) counter\n" }
            out += "\(name) \(Self.number(value))\n"
        }
        let histogram = "incident_broadcast_latency_seconds"
        out += "# TYPE \(histogram) histogram\n"
        for (index, bound) in Self.latencyBuckets.enumerated() {
            out += "\(histogram)_bucket{le=\"\(bound)\"} \(state.latencyCounts[index])\n"
        }
        out += "\(histogram)_bucket{le=\"+Inf\"} \(state.latencyCount)\n"
        out += "\(histogram)_sum \(state.latencySum)\n\(histogram)_count \(state.latencyCount)\n"
        return out
    }

    private static func number(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
