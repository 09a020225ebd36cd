import Application
import Domain
import Transport

/// `GET /api/users` (people search) and `GET /api/search` (search across rooms).
struct PeopleRoutes {
    let endpoint: Endpoint

    func register(on router: Router) {
        let endpoint = self.endpoint
        let services = endpoint.services
        let presenter = services.presenter

        router.add(.get, "/api/users") { request in
            await endpoint.authenticated(request) { principal in
                let people = try await services.searchPeople(
                    query: request.query("q") ?? "",
                    limit: try endpoint.integer(request, "limit", default: 20, in: SearchPeople.limits),
                    by: principal)
                return endpoint.json(200, .object(["users": .array(people.map(presenter.person))]))
            }
        }
        router.add(.get, "/api/search") { request in
            await endpoint.authenticated(request) { principal in
                let (hits, total) = try await services.searchAllRooms(
                    query: request.query("q") ?? "",
                    limit: try endpoint.integer(request, "limit", default: 20, in: 1...200),
                    offset: try endpoint.integer(request, "offset", default: 0, in: 0...1_000_000), by: principal)
                services.log.info("search_all", user: principal.userID.rawValue, ["results": String(total)])
                return endpoint.json(
                    200,
                    .object([
                        "results": .array(
                            hits.map { hit in
                                .object([
                                    "message": presenter.message(hit.message), "highlight": .string(hit.highlight),
                                    "room": presenter.roomReference(hit.message.roomID, title: hit.roomTitle),
                                ])
                            }),
                        "total": .number(Double(total)),
                    ]))
            }
        }
    }
}
