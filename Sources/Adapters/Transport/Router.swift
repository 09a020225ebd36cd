import Synchronization

/// Maps a method and path to a handler; patterns use `:name` segments (`/api/rooms/:room_id/messages`).
///
/// Configure it before the server starts; it is read-only afterwards (the mutex only makes that safe to share).
/// A literal segment beats a parameter at the same position, so `/rooms/:id/search` wins over `/rooms/:id/:x`.
package final class Router: Sendable {
    private let state = Mutex<State>(State())

    private struct State {
        var routes: [Route] = []
        var fallback: (@Sendable (HTTPRequest, RouteMiss) -> HTTPResponse)?
        var headCheck: HeadChecker?
    }

    struct Route: Sendable {
        var method: HTTPMethod
        var segments: [Segment]
        var target: Target
    }

    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
    }

    enum Target: Sendable {
        case http(BodyPolicy, check: HeadChecker?, HTTPHandler)
        case webSocket(WebSocketHandler)
    }

    /// What a lookup found.
    enum Match: Sendable {
        case route(Target, parameters: [String: String])
        case miss(RouteMiss)
    }

    /// An empty router.
    package init() {}

    /// Adds an HTTP route. `body` says how the request body is received and its size limit; `check`, when given,
    /// decides from the head of a request that has a body whether the body is read at all (`HeadCheck`).
    package func add(
        _ method: HTTPMethod,
        _ pattern: String,
        body: BodyPolicy = .buffer(limit: 1 << 20),
        check: (@Sendable (HTTPRequest) async -> HeadCheck)? = nil,
        _ handler: @escaping @Sendable (HTTPRequest) async -> HTTPResponse
    ) {
        let route = Route(method: method, segments: Self.parse(pattern), target: .http(body, check: check, handler))
        self.state.withLock { $0.routes.append(route) }
    }

    /// Adds a WebSocket endpoint (a GET with `Upgrade: websocket`); the handler accepts or rejects the upgrade.
    package func addWebSocket(_ pattern: String, _ handler: @escaping @Sendable (HTTPRequest) async -> WebSocketUpgrade)
    {
        let route = Route(method: .get, segments: Self.parse(pattern), target: .webSocket(handler))
        self.state.withLock { $0.routes.append(route) }
    }

    /// Renders 404 and 405 answers; without it the server answers in the project's JSON error shape.
    package var fallback: (@Sendable (HTTPRequest, RouteMiss) -> HTTPResponse)? {
        get { self.state.withLock { $0.fallback } }
        set { self.state.withLock { $0.fallback = newValue } }
    }

    /// The head check of every route that brings none of its own (`add(..., check:)`), run on requests that have
    /// a body: a server sets it to authenticate, so that no route reads a body for a caller without a token.
    package var headCheck: (@Sendable (HTTPRequest) async -> HeadCheck)? {
        get { self.state.withLock { $0.headCheck } }
        set { self.state.withLock { $0.headCheck = newValue } }
    }

    /// Finds the route for `method` and the already split, percent-decoded path segments.
    func match(_ method: HTTPMethod, segments: [String], wantsWebSocket: Bool) -> Match {
        let (routes, headCheck) = self.state.withLock { ($0.routes, $0.headCheck) }
        var best: (route: Route, parameters: [String: String], score: [Bool])?
        var allowed: [HTTPMethod] = []
        for route in routes {
            guard let parameters = Self.bind(route.segments, to: segments) else { continue }
            let isSocket: Bool
            switch route.target {
            case .http: isSocket = false
            case .webSocket: isSocket = true
            }
            let methodMatches =
                route.method == method || (method == .head && route.method == .get && !isSocket)
            guard methodMatches else {
                if !allowed.contains(route.method) { allowed.append(route.method) }
                continue
            }
            // An upgrade request prefers a WebSocket route and a plain request an HTTP one, on the same path.
            let score =
                [isSocket == wantsWebSocket, route.method == method]
                + route.segments.map { segment -> Bool in
                    switch segment {
                    case .literal: true
                    case .parameter: false
                    }
                }
            if let current = best, !Self.better(score, than: current.score) { continue }
            best = (route, parameters, score)
        }
        if let best {
            guard case .http(let policy, nil, let handler) = best.route.target, let headCheck else {
                return .route(best.route.target, parameters: best.parameters)
            }
            return .route(.http(policy, check: headCheck, handler), parameters: best.parameters)
        }
        if allowed.isEmpty { return .miss(.notFound) }
        if allowed.contains(.get) && !allowed.contains(.head) { allowed.append(.head) }
        return .miss(.methodNotAllowed(allowed: allowed))
    }

    private static func better(_ a: [Bool], than b: [Bool]) -> Bool {
        for (x, y) in zip(a, b) where x != y { return x }
        return false
    }

    private static func bind(_ pattern: [Segment], to segments: [String]) -> [String: String]? {
        guard pattern.count == segments.count else { return nil }
        var parameters: [String: String] = [:]
        for (p, s) in zip(pattern, segments) {
            switch p {
            case .literal(let text): if text != s { return nil }
            case .parameter(let name):
                if s.isEmpty { return nil }
                parameters[name] = s
            }
        }
        return parameters
    }

    static func parse(_ pattern: String) -> [Segment] {
        pattern.split(separator: "/", omittingEmptySubsequences: true).map { part in
            part.hasPrefix(":") ? .parameter(String(part.dropFirst())) : .literal(String(part))
        }
    }
}
