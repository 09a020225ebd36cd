import Application
import Domain
import Foundation
import TestSupport
import Testing
import Transport

@testable import Server

/// The connection caps of issue 16 ("Limits every server of this kind has"), through real sockets.
struct ConnectionLimitTests {
    @Test func aUserOverTheSocketCapGets503AndTheOpenSocketsCarryOn() async throws {
        var limits = Configuration.Limits()
        limits.sockets.perUser = 2
        try await TestServer.with(limits: limits) { server in
            let room = try await RoomFixture.open(on: server, members: [("maint", "EDITOR")])
            let first = try await room.socket("op")
            let second = try await room.socket("op")
            _ = try await first.until("connected")
            _ = try await second.until("connected")
            do {
                _ = try await server.socket("/ws/\(room.roomID)", token: room.token("op"))
                Issue.record("a third socket of one user was accepted")
            } catch WebSocketClientError.handshakeRejected(let status, let body) {
                #expect(status == 503)
                #expect(String(decoding: body, as: UTF8.self).contains("unavailable"))
            }
            // Another user is not affected, and the open sockets still work.
            let other = try await room.socket("maint")
            _ = try await other.until("connected")
            try await first.client.send(text: #"{"type":"message","content":"still here","client_id":"c1"}"#)
            _ = try await first.until("ack")
            // A closed socket gives its place back.
            try await second.client.close()
            var reopened: WebSocketClientSession?
            for _ in 0..<100 where reopened == nil {
                reopened = try? await room.socket("op")
                if reopened == nil { await Task.yield() }
            }
            _ = try await #require(reopened).until("connected")
        }
    }

    @Test func tooManyUpgradeAttemptsFromOneAddressGet429() async throws {
        var limits = Configuration.Limits()
        limits.sockets.attemptsPerSecond = 2
        try await TestServer.with(limits: limits) { server in
            let token = try await server.login("op")
            var statuses: [Int] = []
            // Bad upgrades count too: they are attempts (a token guesser cannot try faster than the rate).
            for _ in 0..<8 {
                do {
                    _ = try await server.socket("/ws/notifications", token: "guess")
                } catch WebSocketClientError.handshakeRejected(let status, _) {
                    statuses.append(status)
                }
            }
            #expect(statuses.prefix(4).allSatisfy { $0 == 401 })
            #expect(statuses.suffix(4).allSatisfy { $0 == 429 })
            // REST is not slowed down.
            #expect(try await server.call("GET", "/api/auth/me", token: token).status == 200)
        }
    }

    /// Issue 16, finding 11: a notifications socket closes with 1008 when its token expires, as room sockets do.
    @Test func aNotificationsSocketClosesWhenItsTokenExpires() async throws {
        try await TestServer.with { server in
            let token = try await server.shortLivedToken(for: "op", seconds: 1)
            let socket = try await server.socket("/ws/notifications", token: token)
            _ = try await socket.event()
            var code: WebSocketCloseCode?
            for _ in 0..<5 {
                if case .close(let closed, _) = try await socket.receive(timeout: .seconds(5)) {
                    code = closed
                    break
                }
            }
            #expect(code == .policyViolation)
        }
    }
}
