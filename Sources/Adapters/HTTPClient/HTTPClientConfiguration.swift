/// Timeouts, pooling and TLS trust for an `HTTPClient`.
package struct HTTPClientConfiguration: Hashable, Sendable {
    /// DNS excluded (getaddrinfo has no timeout of its own), for TCP connect plus the TLS handshake.
    package var connectTimeout: Duration
    /// The longest wait for the next bytes of a response.
    package var readTimeout: Duration
    /// The longest wait for the socket to accept more request bytes.
    package var writeTimeout: Duration
    /// Idle keep-alive connections kept per host and port.
    package var maximumIdlePerHost: Int
    /// An idle connection older than this is closed rather than reused (servers drop idle ones after a while).
    package var idleTimeout: Duration
    /// PEM file of trusted CAs for https; nil uses the system store.
    package var caFile: String?
    /// Bytes per read from the socket and per read from a file body.
    package var chunkSize: Int

    package init(
        connectTimeout: Duration = .seconds(2), readTimeout: Duration = .seconds(30),
        writeTimeout: Duration = .seconds(30), maximumIdlePerHost: Int = 8, idleTimeout: Duration = .seconds(20),
        caFile: String? = nil, chunkSize: Int = 64 * 1024
    ) {
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.writeTimeout = writeTimeout
        self.maximumIdlePerHost = maximumIdlePerHost
        self.idleTimeout = idleTimeout
        self.caFile = caFile
        self.chunkSize = chunkSize
    }
}
