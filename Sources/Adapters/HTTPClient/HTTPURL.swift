/// An absolute `http` or `https` URL split into what a client needs: where to connect and what to ask for.
///
/// The request target is kept exactly as given (already percent-encoded by the caller): re-encoding it would
/// change what an S3 signature covers.
package struct HTTPURL: Hashable, Sendable {
    package var isTLS: Bool
    /// Without brackets for IPv6 literals.
    package var host: String
    package var port: Int
    /// The path and query, starting with `/`.
    package var target: String

    package init(isTLS: Bool, host: String, port: Int, target: String) {
        self.isTLS = isTLS
        self.host = host
        self.port = port
        self.target = target
    }

    /// Parses `http[s]://host[:port][/path][?query]`; user info and fragments are refused.
    package init(_ text: String) throws(HTTPClientError) {
        let lower = text.lowercased()
        let rest: Substring
        if lower.hasPrefix("http://") {
            self.isTLS = false
            rest = text.dropFirst(7)
        } else if lower.hasPrefix("https://") {
            self.isTLS = true
            rest = text.dropFirst(8)
        } else if lower.contains("://") {
            throw HTTPClientError(.unsupportedScheme)
        } else {
            throw HTTPClientError(.invalidURL)
        }
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var target = String(rest[authorityEnd...])
        guard !authority.isEmpty, !authority.contains("@"), !target.contains("#") else {
            throw HTTPClientError(.invalidURL)
        }
        if target.isEmpty { target = "/" } else if target.hasPrefix("?") { target = "/" + target }
        guard !target.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) else { throw HTTPClientError(.invalidURL) }
        self.target = target

        var hostPart = authority
        var portPart: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw HTTPClientError(.invalidURL) }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw HTTPClientError(.invalidURL) }
                portPart = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            hostPart = authority[..<colon]
            portPart = authority[authority.index(after: colon)...]
        }
        guard !hostPart.isEmpty, !hostPart.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) else {
            throw HTTPClientError(.invalidURL)
        }
        self.host = String(hostPart)
        if let portPart {
            guard !portPart.isEmpty, portPart.count <= 5, portPart.allSatisfy(\.isASCII),
                let port = Int(portPart), (1...65535).contains(port)
            else { throw HTTPClientError(.invalidURL) }
            self.port = port
        } else {
            self.port = self.isTLS ? 443 : 80
        }
    }

    /// The value of the `Host` header: the port only when it is not the scheme's default.
    package var hostHeader: String {
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        let defaultPort = self.isTLS ? 443 : 80
        return self.port == defaultPort ? host : "\(host):\(self.port)"
    }

    /// `scheme://host[:port]`, for building URLs on the same server.
    package var origin: String { (self.isTLS ? "https://" : "http://") + self.hostHeader }
}
