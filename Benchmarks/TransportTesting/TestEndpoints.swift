package import Transport

/// Transport-only endpoints for conformance runs and benchmarks (`incident-bench serve`, the transport tests); they
/// live in this testing target so that no production binary carries them.
///
/// - `/ws/echo`: echoes every message (the Autobahn|Testsuite target), messages up to 64 MiB.
/// - `/ws/bench/:room`: every text message is broadcast to every connection of the room, the sender's too,
///   as one `OutboundFrame` serialized once.
package enum TestEndpoints {
    /// Adds the test endpoints to `router`.
    package static func install(on router: Router) {
        router.addWebSocket("/ws/echo") { _ in
            .accept(WebSocketAcceptance(delegate: EchoDelegate(), maxMessageSize: 64 << 20))
        }
        let rooms = BenchRooms()
        router.addWebSocket("/ws/bench/:room") { request in
            let room = request.pathParameters["room"] ?? ""
            return .accept(WebSocketAcceptance(delegate: BenchDelegate(room: room, rooms: rooms)))
        }
    }
}
