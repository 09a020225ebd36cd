import Domain
import Foundation
import InMemory
import Testing
import TransportTestSupport

/// Uploads through the real route: type from the content, limits, roles, listing, links and soft deletion.
struct FileRouteTests {
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 7, count: 1000)

    /// Finding 3 of the hardening issue: a 20 MB upload with no token (or by someone who may not upload there) is
    /// refused from its head, without `100 Continue` and without its body being read, and the connection closes.
    @Test func anUploadThatWouldBeRefusedIsRefusedFromItsHead() async throws {
        try await TestServer.with { server in
            let room = try await RoomFixture.open(on: server, members: [("viewer", "VIEWER")])
            let stranger = try await server.login("stranger")
            let cases: [(token: String?, status: Int, code: String)] = [
                (nil, 401, "unauthorized"), ("not-a-token", 401, "unauthorized"),
                (room.token("viewer"), 403, "insufficient_permissions"), (stranger, 403, "forbidden"),
            ]
            for (token, status, code) in cases {
                let client = try RawClient(port: server.port)
                let authorization = token.map { "Authorization: Bearer \($0)\r\n" } ?? ""
                await client.send(
                    "POST /api/rooms/\(room.roomID)/files HTTP/1.1\r\nHost: t\r\n\(authorization)"
                        + "Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 20971520\r\n"
                        + "Expect: 100-continue\r\n\r\n")
                let response = await client.response()
                #expect(response?.status == status, "token \(token ?? "none")")
                #expect(response.map { String(decoding: $0.body, as: UTF8.self).contains(code) } == true)
                #expect(!String(decoding: client.received, as: UTF8.self).contains("100 Continue"))
                #expect(await client.waitForEOF(timeout: .seconds(4)))
            }
            // Nothing was stored, and the room's editors still upload.
            let listed = try await server.call("GET", "/api/rooms/\(room.roomID)/files", token: room.token("op"))
            #expect(listed.json["files"]?.arrayValue.isEmpty == true)
            let uploaded = try await server.upload(
                room.roomID, token: room.token("op"), filename: "ok.png", contentType: "image/png", bytes: Self.png)
            #expect(uploaded.status == 201)
        }
    }

    @Test func anEditorUploadsAPhotoThatMembersListAndOpen() async throws {
        try await TestServer.with { server in
            let room = try await RoomFixture.open(on: server, members: [("maint", "EDITOR"), ("viewer", "VIEWER")])
            let uploaded = try await server.upload(
                room.roomID, token: room.token("maint"), filename: "../../etc/缺陷 photo.png", contentType: "image/png",
                bytes: Self.png)
            #expect(uploaded.status == 201, "\(uploaded.text)")
            #expect(uploaded.json["filename"]?.stringValue == "../../etc/缺陷 photo.png")
            #expect(uploaded.json["file_type"]?.stringValue == "image")
            #expect(uploaded.json["content_type"]?.stringValue == "image/png")
            #expect(uploaded.json["size"]?.intValue == Self.png.count)
            let fileID = try #require(uploaded.json["file_id"]?.stringValue)
            let listed = try await server.call("GET", "/api/rooms/\(room.roomID)/files", token: room.token("viewer"))
            #expect(listed.json["files"]?.arrayValue.map { $0["file_id"]?.stringValue } == [fileID])
            let one = try await server.call(
                "GET", "/api/rooms/\(room.roomID)/files/\(fileID)", token: room.token("viewer"))
            #expect(one.json["download_url"]?.stringValue?.isEmpty == false)

            let byViewer = try await server.upload(
                room.roomID, token: room.token("viewer"), filename: "x.png", contentType: "image/png", bytes: Self.png)
            #expect(byViewer.status == 403)
            #expect(byViewer.errorCode == "insufficient_permissions")
            #expect(
                try await server.call(
                    "DELETE", "/api/rooms/\(room.roomID)/files/\(fileID)", token: room.token("viewer")
                )
                .status == 403)
            #expect(
                try await server.call("DELETE", "/api/rooms/\(room.roomID)/files/\(fileID)", token: room.token("maint"))
                    .status == 204)
            #expect(
                try await server.call("GET", "/api/rooms/\(room.roomID)/files/\(fileID)", token: room.token("maint"))
                    .status
                    == 404)
        }
    }

    /// Finding 7 of the hardening issue: a deleted file, or the file of a deleted message, is not offered for download.
    @Test func deletedFilesAndTheFilesOfDeletedMessagesHaveNoDownloadLink() async throws {
        try await TestServer.with { server in
            let room = try await RoomFixture.open(on: server)
            let token = room.token("op")
            var messageIDs: [String] = []
            for name in ["a.png", "b.png"] {
                let uploaded = try await server.upload(
                    room.roomID, token: token, filename: name, contentType: "image/png", bytes: Self.png)
                let fileID = try #require(uploaded.json["file_id"]?.stringValue)
                let posted = try await server.call(
                    "POST", "/api/rooms/\(room.roomID)/messages", token: token,
                    body: ["message_type": .string("image_ref"), "file_id": .string(fileID)])
                #expect(posted.json["file"]?["download_url"]?.stringValue?.isEmpty == false)
                messageIDs.append(try #require(posted.json["message_id"]?.stringValue))
                if name == "a.png" {
                    let deleted = try await server.call(
                        "DELETE", "/api/rooms/\(room.roomID)/files/\(fileID)", token: token)
                    #expect(deleted.status == 204)
                }
            }
            let deletedMessage = try await server.call(
                "DELETE", "/api/messages/\(messageIDs[1])", token: token)
            #expect(deletedMessage.status == 204 || deletedMessage.status == 200)
            let history = try await server.call("GET", "/api/rooms/\(room.roomID)/messages?limit=50", token: token)
            let messages = history.json["messages"]?.arrayValue ?? []
            for id in messageIDs {
                let message = try #require(messages.first { $0["message_id"]?.stringValue == id })
                #expect(message["file"]?["download_url"] == .null, "message \(id)")
            }
        }
    }

    @Test func contentThatDoesNotMatchItsNameAndOversizedFilesAreRefused() async throws {
        try await TestServer.with { server in
            let room = try await RoomFixture.open(on: server)
            let token = room.token("op")
            let spoofed = try await server.upload(
                room.roomID, token: token, filename: "invoice.pdf", contentType: "application/pdf",
                bytes: Array("MZ\u{90}\u{0}not a pdf".utf8))
            #expect(spoofed.status == 415)
            #expect(spoofed.errorCode == "unsupported_media_type")
            let executable = try await server.upload(
                room.roomID, token: token, filename: "run.exe", contentType: "application/octet-stream",
                bytes: [0x4D, 0x5A])
            #expect(executable.status == 415)
            let bigLog = Array(repeating: UInt8(ascii: "a"), count: 5 * 1_048_576 + 1)
            let tooBig = try await server.upload(
                room.roomID, token: token, filename: "plc.log", contentType: "text/plain", bytes: bigLog)
            #expect(tooBig.status == 413)
            #expect(tooBig.errorCode == "payload_too_large")
            let notMultipart = try await server.call(
                "POST", "/api/rooms/\(room.roomID)/files", token: token, body: ["file": .string("x")])
            #expect(notMultipart.status == 415)
            let files = try await server.call("GET", "/api/rooms/\(room.roomID)/files", token: token)
            #expect(files.json["files"]?.arrayValue.isEmpty == true)
        }
    }

    @Test func aFileMessageMustReferToAnImageOfTheSameRoom() async throws {
        try await TestServer.with { server in
            let first = try await RoomFixture.open(on: server)
            let second = try await RoomFixture.open(on: server, title: "Oven drift")
            let token = first.token("op")
            let log = try await server.upload(
                first.roomID, token: token, filename: "plc.log", contentType: "text/plain",
                bytes: Array("E42 belt slip\n".utf8))
            let logID = try #require(log.json["file_id"]?.stringValue)
            let asImage = try await server.call(
                "POST", "/api/rooms/\(first.roomID)/messages", token: token,
                body: ["message_type": .string("image_ref"), "file_id": .string(logID), "content": .string("")])
            #expect(asImage.status == 422)
            let otherRoom = try await server.call(
                "POST", "/api/rooms/\(second.roomID)/messages", token: second.token("op"),
                body: ["message_type": .string("file_ref"), "file_id": .string(logID)])
            #expect(otherRoom.status == 422)
            #expect(otherRoom.json["error"]?["details"]?["field"]?.stringValue == "file_id")
            let asFile = try await server.call(
                "POST", "/api/rooms/\(first.roomID)/messages", token: token,
                body: ["message_type": .string("file_ref"), "file_id": .string(logID), "content": .string("PLC log")])
            #expect(asFile.status == 201)
            #expect(asFile.json["file"]?["file_id"]?.stringValue == logID)
        }
    }

    @Test func storageDownAnswers503QuicklyAndChatGoesOn() async throws {
        try await TestServer.with { server in
            let room = try await RoomFixture.open(on: server, members: [("maint", "EDITOR")])
            server.objects.setAvailable(false)
            let start = ContinuousClock.now
            let upload = try await server.upload(
                room.roomID, token: room.token("maint"), filename: "belt.png", contentType: "image/png", bytes: Self.png
            )
            #expect(upload.status == 503)
            #expect(upload.errorCode == "storage_unavailable")
            #expect(ContinuousClock.now - start < .seconds(5))
            #expect(
                try await server.call("GET", "/api/rooms/\(room.roomID)/files", token: room.token("maint")).json[
                    "files"]?
                    .arrayValue.isEmpty == true)
            let message = try await server.call(
                "POST", "/api/rooms/\(room.roomID)/messages", token: room.token("maint"),
                body: ["content": .string("camera upload failed, describing instead")])
            #expect(message.status == 201)
            server.objects.setAvailable(true)
            let retried = try await server.upload(
                room.roomID, token: room.token("maint"), filename: "belt.png", contentType: "image/png", bytes: Self.png
            )
            #expect(retried.status == 201)
        }
    }
}
