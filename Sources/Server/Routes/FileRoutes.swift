import Application
import Domain
import Transport

/// The files of a room: list, one file with a fresh download link, soft delete.
struct FileRoutes {
    let endpoint: Endpoint

    func register(on router: Router) {
        let endpoint = self.endpoint
        let services = endpoint.services
        router.add(.get, "/api/rooms/:room_id/files") { request in
            await endpoint.authenticated(request) { principal in
                let files = try await services.listFiles(in: try endpoint.roomID(request), by: principal)
                return endpoint.json(200, .object(["files": .array(files.map(services.presenter.file))]))
            }
        }
        router.add(.get, "/api/rooms/:room_id/files/:file_id") { request in
            await endpoint.authenticated(request) { principal in
                let fileID: FileID = try Endpoint.identifier(request.pathParameters["file_id"], "file_id")
                let file = try await services.getFile(fileID, in: try endpoint.roomID(request), by: principal)
                return endpoint.json(200, services.presenter.file(file))
            }
        }
        router.add(.delete, "/api/rooms/:room_id/files/:file_id") { request in
            await endpoint.authenticated(request) { principal in
                let fileID: FileID = try Endpoint.identifier(request.pathParameters["file_id"], "file_id")
                try await services.deleteFile(fileID, in: try endpoint.roomID(request), by: principal)
                return .empty(204)
            }
        }
    }
}
