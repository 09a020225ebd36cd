import Application
import Domain
import Transport

/// `POST /api/auth/login`, `POST /api/auth/logout`, `GET /api/auth/me`.
struct AuthRoutes {
    let endpoint: Endpoint

    func register(on router: Router) {
        let endpoint = self.endpoint
        let services = endpoint.services
        // Signing in is the one body read without a token (16 KB at most).
        router.add(.post, "/api/auth/login", body: .buffer(limit: 16 * 1024), check: { _ in .proceed(context: nil) }) {
            request in
            let address = endpoint.clientAddress(request)
            do {
                let body = try endpoint.body(request)
                let username = try body.requiredString("username")
                let password = try body.string("password") ?? ""
                let result = try await services.login(
                    username: username, password: password, clientAddress: address)
                services.log.info("login", user: result.user.id.rawValue, ["address": address])
                return endpoint.json(
                    200,
                    .object([
                        "token": .string(result.token.token), "token_type": .string("Bearer"),
                        "expires_at": Presenter.time(result.token.claims.expiresAt),
                        "user": services.presenter.user(result.user),
                    ]))
            } catch {
                // The username is logged to trace attacks; the password never is.
                services.log.warning(
                    "login_failed",
                    [
                        "address": address, "code": Refusal(error).code,
                    ])
                return endpoint.failure(error, request)
            }
        }
        router.add(.post, "/api/auth/logout") { request in
            await endpoint.authenticated(request) { principal in
                try await services.logout(principal)
                services.log.info("logout", user: principal.userID.rawValue)
                return .empty(204)
            }
        }
        router.add(.get, "/api/auth/me") { request in
            await endpoint.authenticated(request) { principal in
                let user =
                    try await services.deps.users.user(id: principal.userID)
                    ?? User(
                        id: principal.userID, displayName: principal.displayName, email: principal.userID.rawValue,
                        isAdmin: principal.isAdmin)
                return endpoint.json(200, services.presenter.user(user))
            }
        }
    }
}
