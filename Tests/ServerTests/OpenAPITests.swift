import Domain
import Foundation
import Testing
import Transport

@testable import Server

/// The OpenAPI document against the router it describes and against docs/API.md, so the three never disagree.
/// (openapi-spec-validator and schemathesis check it further in scripts/gates/openapi.sh.)
struct OpenAPITests {
    /// The routes the document must describe: every HTTP route under /api/, and the three operational ones.
    /// WebSocket endpoints (docs/API.md describes them) and whatever else is served, such as the web page at `/`
    /// and `/static/...`, are not REST operations of the API.
    static let operationalPaths: Set<String> = ["/healthz", "/readyz", "/metrics"]

    static func isDescribed(_ path: String) -> Bool {
        path.hasPrefix("/api/") || Self.operationalPaths.contains(path)
    }

    /// `/api/rooms/:room_id` -> `/api/rooms/{room_id}`.
    static func openAPIPath(_ pattern: String) -> String {
        pattern.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            segment.hasPrefix(":") ? "{\(segment.dropFirst())}" : String(segment)
        }.joined(separator: "/")
    }

    @Test func theRouterAnswersExactlyTheDocumentedRoutes() async throws {
        try await TestServer.with { server in
            let answered = Set(
                server.server.router.routeTable.filter { !$0.isWebSocket && Self.isDescribed($0.pattern) }.map {
                    "\($0.method.rawValue) \(Self.openAPIPath($0.pattern))"
                })
            let documented = OpenAPIDocument.routes
            #expect(answered.subtracting(documented).isEmpty, "answered but not documented")
            #expect(documented.subtracting(answered).isEmpty, "documented but not answered")
            #expect(documented.allSatisfy { Self.isDescribed(String($0.split(separator: " ")[1])) })
            #expect(answered.count > 40)
        }
    }

    @Test func docsAPIHasASectionForEveryOperationAndNoOther() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/API.md"), encoding: .utf8)
        // Headings such as "### `GET /api/rooms/{room_id}`".
        let methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
        var headings: [String] = []
        for line in text.split(separator: "\n") where line.hasPrefix("#") {
            let title = line.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces)
            guard title.hasPrefix("`"), let end = title.dropFirst().firstIndex(of: "`") else { continue }
            let code = String(title[title.index(after: title.startIndex)..<end])
            guard let method = code.split(separator: " ").first, methods.contains(String(method)) else { continue }
            headings.append(code)
        }
        #expect(Set(headings).count == headings.count, "a heading repeats")
        let documented = OpenAPIDocument.routes
        #expect(Set(headings).subtracting(documented).isEmpty, "docs/API.md names operations the document lacks")
        #expect(documented.subtracting(Set(headings)).isEmpty, "operations without a section in docs/API.md")
    }

    @Test func everyReferenceResolvesAndEveryOperationIsNamedOnce() throws {
        let document = OpenAPIDocument.document
        let bytes = OpenAPIDocument.bytes
        #expect(try JSONParser(maximumDepth: 64).parse(bytes) == document)
        var references: [String] = []
        func collect(_ value: JSONValue) {
            switch value {
            case .object(let object):
                for (key, item) in object {
                    if key == "$ref", let target = item.stringValue { references.append(target) }
                    collect(item)
                }
            case .array(let items): items.forEach(collect)
            case .null, .bool, .number, .string: break
            }
        }
        collect(document)
        let components = try #require(document["components"])
        for reference in Set(references) {
            let parts = reference.split(separator: "/").map(String.init)
            #expect(parts.count == 4 && parts[0] == "#" && parts[1] == "components", "\(reference)")
            #expect(components[parts[2]]?[parts[3]] != nil, "\(reference) does not resolve")
        }
        let ids = OpenAPIDocument.operations.map(\.id)
        #expect(Set(ids).count == ids.count)
        // Links name operations that exist.
        for operation in OpenAPIDocument.operations {
            for (_, link) in operation.links ?? [:] {
                #expect(ids.contains(link["operationId"]?.stringValue ?? ""), "\(operation.id)")
            }
            // Every authenticated operation documents 401, every one with a body 422 (or 415 for the upload).
            if operation.authenticated { #expect(operation.errors.contains(401), "\(operation.id)") }
            if operation.body != nil {
                #expect(operation.errors.contains(422) && operation.errors.contains(413), "\(operation.id)")
            }
        }
        // The schemas of API.md are all there.
        for name in ["Room", "Message", "File", "Notification", "User", "Error", "Announcement", "ReadReceipt"] {
            #expect(components["schemas"]?[name] != nil, "\(name)")
        }
    }
}
