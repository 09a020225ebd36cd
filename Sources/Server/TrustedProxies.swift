import Application
import Foundation

/// `TRUSTED_PROXIES`: the proxies (addresses and CIDR networks, IPv4 and IPv6) whose `X-Forwarded-For` and
/// `X-Real-IP` name the client. Behind nginx every peer is nginx; without this the login throttle, the per-address
/// socket caps and the logs would see one client for the whole plant. From any other peer the headers are ignored,
/// so a client cannot choose its own address.
struct TrustedProxies: Sendable, Equatable {
    struct Network: Sendable, Equatable {
        /// 4 bytes for IPv4 (IPv4-mapped IPv6 addresses count as IPv4), 16 for IPv6.
        var bytes: [UInt8]
        var prefixLength: Int

        func contains(_ address: [UInt8]) -> Bool {
            guard address.count == self.bytes.count else { return false }
            var remaining = self.prefixLength
            for (mine, theirs) in zip(self.bytes, address) where remaining > 0 {
                let bits = min(8, remaining)
                let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
                guard mine & mask == theirs & mask else { return false }
                remaining -= bits
            }
            return true
        }
    }

    /// Hops of `X-Forwarded-For` looked at, from the right: more than any real chain of proxies.
    static let maximumHops = 32

    var networks: [Network] = []

    init(networks: [Network] = []) {
        self.networks = networks
    }

    /// Parses `10.0.0.5, 192.168.0.0/16, ::1, fd00::/8` (commas or spaces between entries).
    init(parsing text: String) throws(InvalidSetting) {
        let entries = text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" })
        for entry in entries {
            let parts = entry.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2, let bytes = Self.bytes(of: String(parts[0])) else {
                throw InvalidSetting(name: "TRUSTED_PROXIES", reason: "\"\(entry)\" is not an address or a network")
            }
            var prefix = bytes.count * 8
            if parts.count == 2 {
                guard let length = Int(parts[1]), (0...bytes.count * 8).contains(length) else {
                    throw InvalidSetting(name: "TRUSTED_PROXIES", reason: "\"\(entry)\" has a bad prefix length")
                }
                prefix = length
            }
            self.networks.append(Network(bytes: bytes, prefixLength: prefix))
        }
    }

    func trusts(_ address: String) -> Bool {
        guard let bytes = Self.bytes(of: address) else { return false }
        return self.networks.contains { $0.contains(bytes) }
    }

    /// The client's address: `peer` itself unless it is a trusted proxy; then the right-most `X-Forwarded-For` hop
    /// that is not a trusted proxy (or `X-Real-IP` when there is no `X-Forwarded-For`). A hop that is not an address
    /// ends the walk at the last trusted one: whatever is left of garbage was written by someone untrusted.
    func clientAddress(peer: String, forwardedFor: [String], realIP: String?) -> String {
        guard !self.networks.isEmpty, self.trusts(peer) else { return peer }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.suffix(Self.maximumHops)
        guard !hops.isEmpty else {
            guard let realIP = realIP?.trimmingCharacters(in: .whitespaces), Self.bytes(of: realIP) != nil else {
                return peer
            }
            return realIP
        }
        var client = peer
        for hop in hops.reversed() {
            let address = hop.trimmingCharacters(in: .whitespaces)
            guard Self.bytes(of: address) != nil else { return client }
            client = address
            guard self.trusts(address) else { return address }
        }
        return client
    }

    /// The address's bytes, or nil when it is not an IPv4 or IPv6 address (brackets allowed around IPv6).
    static func bytes(of address: String) -> [UInt8]? {
        guard address.utf8.count <= 64 else { return nil }
        var v4 = in_addr()
        if inet_pton(AF_INET, address, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        let name = address.hasPrefix("[") && address.hasSuffix("]") ? String(address.dropFirst().dropLast()) : address
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, name, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        // ::ffff:a.b.c.d is the IPv4 client of a dual-stack socket.
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF { return Array(bytes[12...]) }
        return bytes
    }
}
