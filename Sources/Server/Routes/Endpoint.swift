import HTTPCore
import Application
import Domain
import Foundation
import Transport

/// Turns use-case results and refusals into HTTP responses; every REST route goes through it.
struct Endpoint: Sendable {
    let services: Services
    var proxies = TrustedProxies()

    /// The client's address as the throttle, the socket caps and the logs see it (`TRUSTED_PROXIES`).
    func clientAddress(_ request: HTTPRequest) -> String {
        self.proxies.clientAddress(
            peer: request.remoteAddress, forwardedFor: request.headers.values(for: "X-Forwarded-For"),
            realIP: request.headers["X-Real-IP"])
    }

    func json(_ status: Int, _ value: JSONValue) -> HTTPResponse {
        HTTPResponse.json(status, JSONWriter.encode(value))
    }

    /// The error body of API.md with its status (and `Retry-After` for 429), logged and counted.
    func failure(_ error: any Error, _ request: HTTPRequest, user: UserID? = nil) -> HTTPResponse {
        let refusal = Refusal(error)
        if !(error is DomainError || error is Refusal) {
            self.services.log.log(
                .error, "request_failed", user: user?.rawValue,
                [
                    "path": request.path, "error": String(describing: type(of: error)),
                ])
        } else if refusal.httpStatus == 403 {
            self.services.log.info(
                "permission_denied", user: user?.rawValue, ["path": request.path, "code": refusal.code])
        }
        self.services.metrics.increment("incident_errors_total{code=\"\(refusal.code)\"}")
        var response = self.json(refusal.httpStatus, self.services.presenter.error(refusal))
        if case .domain(.rateLimited(let seconds)) = refusal {
            response.headers.add("Retry-After", String(seconds))
        }
        return response
    }

    /// Runs `body` for an authenticated caller; a missing or bad token answers 401 before anything else. A request
    /// whose head was checked already (`headCheck`) brings its caller along and is not authenticated twice.
    func authenticated(
        _ request: HTTPRequest, _ body: (Principal) async throws -> HTTPResponse
    ) async -> HTTPResponse {
        let principal: Principal
        if let checked = request.context as? Principal {
            principal = checked
        } else {
            do {
                principal = try await self.authenticate(request)
            } catch {
                return self.failure(error, request)
            }
        }
        do {
            return try await body(principal)
        } catch {
            return self.failure(error, request, user: principal.userID)
        }
    }

    /// The head check of every route with a body (`Router.headCheck`): a request without a valid token is refused
    /// with 401 before its body is read, so nobody can make the server buffer or spool a body without signing in.
    func headCheck(_ request: HTTPRequest) async -> HeadCheck {
        do {
            return .proceed(context: try await self.authenticate(request))
        } catch {
            return .reject(self.failure(error, request))
        }
    }

    /// The head check of uploads: the caller must be signed in and allowed to upload to the room (a VIEWER, a
    /// stranger or an archived room is refused with its 403/404/409 before 20 MB arrive).
    func uploadCheck(_ request: HTTPRequest) async -> HeadCheck {
        var principal: Principal?
        do {
            let caller = try await self.authenticate(request)
            principal = caller
            try await self.services.uploadFile.authorize(try self.roomID(request), by: caller)
            return .proceed(context: caller)
        } catch {
            return .reject(self.failure(error, request, user: principal?.userID))
        }
    }

    private func authenticate(_ request: HTTPRequest) async throws -> Principal {
        do {
            return try await self.services.authenticate(token: Self.bearerToken(request, allowQuery: false))
        } catch {
            self.services.log.info("auth_failed", ["path": request.path, "address": self.clientAddress(request)])
            throw error
        }
    }

    /// `Authorization: Bearer <jwt>`, or for WebSockets also `?token=` (browsers cannot set headers there).
    static func bearerToken(_ request: HTTPRequest, allowQuery: Bool) -> String? {
        if let header = request.headers["Authorization"] {
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
            return parts[1].trimmingCharacters(in: .whitespaces)
        }
        return allowQuery ? request.query("token") : nil
    }

    // MARK: - Reading requests

    func body(_ request: HTTPRequest) throws(Refusal) -> RequestBody {
        try RequestBody(bytes: request.body)
    }

    func roomID(_ request: HTTPRequest) throws(DomainError) -> RoomID {
        try Self.identifier(request.pathParameters["room_id"], "room_id")
    }

    func messageID(_ request: HTTPRequest) throws(DomainError) -> MessageID {
        try Self.identifier(request.pathParameters["message_id"], "message_id")
    }

    static func identifier<T: UUIDIdentifier>(_ text: String?, _ name: String) throws(DomainError) -> T {
        guard let text, let id = T(text.lowercased()) else {
            throw .invalidParameter(name: name, reason: "must be a UUID")
        }
        return id
    }

    /// An integer query parameter within `range`; absent gives `fallback`, anything else 400.
    func integer(_ request: HTTPRequest, _ name: String, default fallback: Int, in range: ClosedRange<Int>)
        throws(DomainError) -> Int
    {
        guard let text = request.query(name) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw .invalidParameter(
                name: name, reason: "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    func optionalInteger(_ request: HTTPRequest, _ name: String) throws(DomainError) -> Int64? {
        guard let text = request.query(name) else { return nil }
        guard let value = Int64(text), value >= 0 else {
            throw .invalidParameter(name: name, reason: "must be a whole number ≥ 0")
        }
        return value
    }

    /// `true`/`1` or `false`/`0`; absent gives nil, anything else 400.
    func boolean(_ request: HTTPRequest, _ name: String) throws(DomainError) -> Bool? {
        switch request.query(name) {
        case nil: return nil
        case "true", "1": return true
        case "false", "0": return false
        default: throw .invalidParameter(name: name, reason: "must be true or false")
        }
    }

    func enumeration<T: RawRepresentable>(_ request: HTTPRequest, _ name: String, _: T.Type) throws(DomainError) -> T?
    where T.RawValue == String {
        guard let text = request.query(name), !text.isEmpty else { return nil }
        guard let value = T(rawValue: text) else { throw .invalidParameter(name: name, reason: "has an unknown value") }
        return value
    }
}
