import HTTPCore
import Application
import Dispatch
import Domain
import Foundation
import Transport

/// The files of a room: upload, list, one file with a fresh download link, soft delete.
struct FileRoutes {
    /// The largest file (a 20 MB document) plus room for the multipart framing and a caption.
    static let maximumUploadBody = FilePolicy.maximumUploadBytes + 64 * 1024

    let endpoint: Endpoint

    func register(on router: Router) {
        let endpoint = self.endpoint
        let services = endpoint.services
        router.add(
            .post, "/api/rooms/:room_id/files", body: .spoolToFile(limit: Self.maximumUploadBody),
            check: { request in await endpoint.uploadCheck(request) }
        ) { request in
            await endpoint.authenticated(request) { principal in
                let roomID = try endpoint.roomID(request)
                let spool = try await Self.extractFile(from: request)
                defer { spool.file.remove() }
                let upload = UploadFile.Request(
                    filename: spool.upload.filename, size: spool.upload.size, prefix: spool.upload.prefix,
                    body: .file(path: spool.file.path, offset: 0, length: spool.upload.size))
                let file = try await services.uploadFile(upload, to: roomID, by: principal)
                services.log.info(
                    "file_uploaded", user: principal.userID.rawValue, room: roomID.description,
                    [
                        "file": file.id.description, "size": String(file.size), "type": file.fileType.rawValue,
                    ])
                return endpoint.json(201, services.presenter.file(file))
            }
        }
        router.add(.get, "/api/rooms/:room_id/files") { request in
            await endpoint.authenticated(request) { principal in
                let files = try await services.listFiles(in: try endpoint.roomID(request), by: principal)
                return endpoint.json(200, .object(["files": .array(files.map { services.presenter.file($0) })]))
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

    /// Streams the `file` part of the spooled request body into a spool file of its own, off the async pool.
    ///
    /// (The request's head was checked first: `Endpoint.uploadCheck`.)
    private static func extractFile(from request: HTTPRequest) async throws -> (
        upload: MultipartUpload, file: SpoolFile
    ) {
        guard let contentType = request.headers["Content-Type"],
            contentType.lowercased().hasPrefix("multipart/form-data")
        else {
            throw DomainError.unsupportedMediaType("Uploads must be multipart/form-data with a part named file.")
        }
        let boundary: String
        do { boundary = try MultipartParser.boundary(fromContentType: contentType) } catch { throw error.refusal }
        let bodyPath = request.bodyFile
        let inMemory = request.body
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                do {
                    let spool = try SpoolFile()
                    var input = try BodyChunks(path: bodyPath, inMemory: inMemory)
                    do {
                        let upload = try MultipartFileExtractor.extract(
                            boundary: boundary,
                            limits: MultipartParser.Limits(maximumTotalBytes: Int64(Self.maximumUploadBody)),
                            fileLimit: { filename in try FilePolicy.limit(forFilename: filename) },
                            read: { try input.next() }, write: { try spool.write($0) })
                        continuation.resume(returning: (upload, spool))
                    } catch let error as MultipartError {
                        spool.remove()
                        continuation.resume(throwing: error.refusal)
                    } catch {
                        spool.remove()
                        continuation.resume(throwing: error)
                    }
                } catch {
                    continuation.resume(throwing: DomainError.unavailable)
                }
            }
        }
    }
}

/// The request body in 64 KiB chunks, from its spool file or from memory.
private struct BodyChunks {
    private let handle: FileHandle?
    private var remaining: ArraySlice<UInt8>

    init(path: String?, inMemory: [UInt8]) throws {
        self.handle = try path.map { try FileHandle(forReadingFrom: URL(fileURLWithPath: $0)) }
        self.remaining = inMemory[...]
    }

    mutating func next() throws -> [UInt8]? {
        if let handle {
            guard let data = try handle.read(upToCount: 64 * 1024), !data.isEmpty else {
                try? handle.close()
                return nil
            }
            return Array(data)
        }
        guard !self.remaining.isEmpty else { return nil }
        let chunk = self.remaining.prefix(64 * 1024)
        self.remaining = self.remaining.dropFirst(chunk.count)
        return Array(chunk)
    }
}
