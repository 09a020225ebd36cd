import Application
import Domain
import Testing

@testable import Server

/// Finding 1 of the hardening issue: behind nginx the client address comes from the proxy's headers, and only there.
struct TrustedProxiesTests {
    let proxies = try! TrustedProxies(parsing: "127.0.0.1, 10.1.0.0/16 ::1,fd00::/8")

    @Test func parsesAddressesAndNetworksAndRefusesTheRest() throws {
        #expect(self.proxies.networks.count == 4)
        #expect(self.proxies.trusts("10.1.200.3") && !self.proxies.trusts("10.2.0.1"))
        #expect(self.proxies.trusts("::1") && self.proxies.trusts("[fd12::5]") && !self.proxies.trusts("fe80::1"))
        #expect(self.proxies.trusts("::ffff:127.0.0.1"))
        for bad in ["10.0.0.0/33", "nginx", "10.0.0.1/", "1.2.3.4/8/9", "::1/129", "300.1.1.1"] {
            #expect(throws: InvalidSetting.self, "\(bad)") { try TrustedProxies(parsing: bad) }
        }
        #expect(try TrustedProxies(parsing: "").networks.isEmpty)
    }

    @Test func theRightMostUntrustedHopIsTheClient() {
        let address = { (forwarded: [String], realIP: String?) in
            self.proxies.clientAddress(peer: "127.0.0.1", forwardedFor: forwarded, realIP: realIP)
        }
        #expect(address(["203.0.113.7"], nil) == "203.0.113.7")
        // A client that writes its own X-Forwarded-For only adds to the left of what nginx appends.
        #expect(address(["1.1.1.1, 203.0.113.7"], nil) == "203.0.113.7")
        #expect(address(["1.1.1.1", "203.0.113.7, 10.1.0.9"], nil) == "203.0.113.7")
        #expect(address([" 2001:db8::7 "], nil) == "2001:db8::7")
        #expect(address([], "198.51.100.4") == "198.51.100.4")
        #expect(address([], "not an address") == "127.0.0.1")
        #expect(address([], nil) == "127.0.0.1")
        // Garbage stops the walk at the last trusted hop; it never becomes an address.
        #expect(address(["<script>, 10.1.0.9"], nil) == "10.1.0.9")
        #expect(address(["203.0.113.7, junk"], nil) == "127.0.0.1")
        #expect(address([String(repeating: "9", count: 10_000)], nil) == "127.0.0.1")
        // Every hop trusted: the left-most is as far as anyone can tell.
        #expect(address(["10.1.0.1, 10.1.0.2"], nil) == "10.1.0.1")
        // Thousands of hops: only the last 32 are looked at.
        let many = Array(repeating: "10.1.0.1", count: 5_000).joined(separator: ",") + ", 203.0.113.9"
        #expect(address([many], nil) == "203.0.113.9")
    }

    @Test func anUntrustedPeerCannotChooseItsAddress() {
        #expect(
            self.proxies.clientAddress(peer: "192.0.2.50", forwardedFor: ["203.0.113.7"], realIP: "198.51.100.4")
                == "192.0.2.50")
        #expect(
            TrustedProxies().clientAddress(peer: "127.0.0.1", forwardedFor: ["203.0.113.7"], realIP: nil)
                == "127.0.0.1")
    }

    /// Twenty bad sign-ins from one client behind nginx lock that client out, not everyone behind the same proxy.
    @Test func behindAProxyOneClientsBadSignInsLockOnlyThatClient() async throws {
        try await TestServer.with(proxies: try TrustedProxies(parsing: "127.0.0.1")) { server in
            func signIn(_ username: String, password: String, from address: String) async throws -> Int {
                try await server.call(
                    "POST", "/api/auth/login",
                    body: ["username": .string(username), "password": .string(password)],
                    headers: [("X-Forwarded-For", "\(address)")]
                ).status
            }
            for index in 1...20 {
                let status = try await signIn("guess\(index)", password: "wrong", from: "203.0.113.66")
                #expect(status == 401)
            }
            let lockedOut = try await signIn("op", password: "pw", from: "203.0.113.66")
            let neighbour = try await signIn("op", password: "pw", from: "203.0.113.67")
            #expect(lockedOut == 429)
            #expect(neighbour == 200)
        }
        // Without TRUSTED_PROXIES the header is nobody's word: the same attack locks the peer, whatever it claims.
        try await TestServer.with { server in
            for index in 1...20 {
                _ = try await server.call(
                    "POST", "/api/auth/login",
                    body: ["username": .string("guess\(index)"), "password": .string("wrong")],
                    headers: [("X-Forwarded-For", "203.0.113.\(index)")])
            }
            let locked = try await server.call(
                "POST", "/api/auth/login", body: ["username": .string("op"), "password": .string("pw")],
                headers: [("X-Forwarded-For", "203.0.113.99")])
            #expect(locked.status == 429)
        }
    }
}
