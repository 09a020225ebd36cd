package import HTTPCore
/// A complete request as handed to a route handler.
package struct HTTPRequest: Sendable {
    /// The method token.
    package var method: HTTPMethod
    /// The path, percent-decoded (`+` stays a plus); the query is not part of it.
    package var path: String
    /// The request target exactly as received, with its query.
    package var target: String
    /// The query's name/value pairs, percent-decoded (`+` is a space), in order.
    package var queryItems: [(name: String, value: String)]
    /// The header fields.
    package var headers: HTTPHeaders
    /// The body when the route buffers it; empty for spooled bodies.
    package var body: [UInt8]
    /// The temporary file holding the body when the route spools it; deleted after the handler returns.
    package var bodyFile: String?
    /// The values of the route pattern's `:name` segments, percent-decoded.
    package var pathParameters: [String: String]
    /// The peer's IP address, without the port.
    package var remoteAddress: String
    /// What the route's head check learned (`HeadCheck.proceed(context:)`); nil without a check.
    package var context: (any Sendable)?
    /// The event loop the connection lives on; a WebSocket accepted from this request stays on it, so a session
    /// can keep its state there (nil for requests made in tests).
    package var eventLoop: EventLoop?

    /// A request; tests build them directly, the server from the wire.
    package init(
        method: HTTPMethod,
        path: String,
        target: String,
        queryItems: [(name: String, value: String)] = [],
        headers: HTTPHeaders = HTTPHeaders(),
        body: [UInt8] = [],
        bodyFile: String? = nil,
        pathParameters: [String: String] = [:],
        remoteAddress: String = "127.0.0.1"
    ) {
        self.method = method
        self.path = path
        self.target = target
        self.queryItems = queryItems
        self.headers = headers
        self.body = body
        self.bodyFile = bodyFile
        self.pathParameters = pathParameters
        self.remoteAddress = remoteAddress
    }

    /// The first value of the query parameter `name`.
    package func query(_ name: String) -> String? {
        self.queryItems.first { $0.name == name }?.value
    }
}
