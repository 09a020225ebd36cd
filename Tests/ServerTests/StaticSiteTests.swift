import Foundation
import HTTPClient
import HTTPCore
import Testing
import Transport

@testable import Server

/// The web page as a browser sees it: types, revalidation, the CSP, and no way out of the web root.
struct StaticSiteTests {
    static let site = StaticSite(files: [
        "/index.html": Array("<!doctype html><title>rooms</title>".utf8),
        "/app.js": Array("export {}".utf8),
        "/style.css": Array("body{}".utf8),
        StaticSite.clientModulePath: Array("export class RoomConnection {}".utf8),
    ])

    static func get(_ path: String, headers: HTTPHeaders = HTTPHeaders(), method: HTTPMethod = .get) -> HTTPResponse? {
        Self.site.response(to: HTTPRequest(method: method, path: path, target: path, headers: headers))
    }

    static func text(_ response: HTTPResponse?) -> String? {
        guard case .bytes(let bytes)? = response?.body else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func rootIsThePageWithStrictHeaders() throws {
        let response = try #require(Self.get("/"))
        #expect(response.status == 200)
        #expect(response.headers["Content-Type"] == "text/html; charset=utf-8")
        #expect(response.headers["X-Content-Type-Options"] == "nosniff")
        let csp = try #require(response.headers["Content-Security-Policy"])
        #expect(csp.hasPrefix("default-src 'self'"))
        #expect(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"))
        #expect(response.headers["Cache-Control"] == "no-cache")
        #expect(Self.text(response)?.contains("<title>rooms</title>") == true)
    }

    @Test func typesFollowTheExtension() {
        #expect(Self.get("/app.js")?.headers["Content-Type"] == "text/javascript; charset=utf-8")
        #expect(Self.get("/style.css")?.headers["Content-Type"] == "text/css; charset=utf-8")
        #expect(Self.get("/js/incident-rooms.js")?.headers["Content-Type"] == "text/javascript; charset=utf-8")
        #expect(Self.text(Self.get("/js/incident-rooms.js")) == "export class RoomConnection {}")
    }

    @Test func aMatchingETagAnswers304WithoutABody() throws {
        let first = try #require(Self.get("/app.js"))
        let tag = try #require(first.headers["ETag"])
        let again = try #require(Self.get("/app.js", headers: ["If-None-Match": "\"other\", \(tag)"]))
        #expect(again.status == 304)
        #expect(Self.text(again) == "")
        #expect(again.headers["ETag"] == tag)
        #expect(Self.get("/app.js", headers: ["If-None-Match": "\"stale\""])?.status == 200)
        #expect(Self.get("/style.css")?.headers["ETag"] != tag)
    }

    @Test func clientSideRoutesGetThePageAndMissingFilesDoNot() {
        #expect(Self.text(Self.get("/rooms/abc")) == Self.text(Self.get("/")))
        #expect(Self.get("/missing.js") == nil)
        // An absolute-looking path without an extension is a client route: the page, never the file.
        #expect(Self.text(Self.get("/etc/passwd")) == Self.text(Self.get("/")))
        #expect(Self.get("/app.js", method: .post) == nil)
    }

    @Test func apiAndSocketPathsAreNeverThePage() {
        for path in ["/api", "/api/", "/api/nothing", "/ws", "/ws/rooms/x"] {
            #expect(Self.get(path) == nil, "\(path)")
        }
    }

    /// Paths as the parser hands them over, already percent-decoded (`%2e%2e` arrives as `..`).
    @Test(arguments: [
        "/../Package.swift", "/..", "/js/../../Sources/Server/main.swift", "/./index.html", "//etc/passwd",
        "/etc/passwd.txt", "/index.html\0.png", "/a\\..\\b", "/.git/config", "/js//incident-rooms.js",
        "/%2e%2e/Package.swift", "relative.html",
    ])
    func hostilePathsAreNotFound(_ path: String) {
        #expect(Self.get(path) == nil)
    }

    @Test func loadReadsTheFolderAndTheClientModuleButNoHiddenFiles() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("site-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("img"), withIntermediateDirectories: true)
        try Data("<p>".utf8).write(to: root.appendingPathComponent("index.html"))
        try Data("svg".utf8).write(to: root.appendingPathComponent("img/bell.svg"))
        try Data("secret".utf8).write(to: root.appendingPathComponent(".env"))
        let module = root.appendingPathComponent("client.js")
        try Data("export {}".utf8).write(to: module)
        let site = StaticSite.load(root: root, clientModule: module)
        #expect(site.assets["/img/bell.svg"]?.contentType == "image/svg+xml")
        #expect(site.assets[StaticSite.clientModulePath] != nil)
        #expect(site.assets["/.env"] == nil)
        #expect(StaticSite.root(environment: ["WEB_ROOT": root.path], executable: "/x")?.path == root.path)
    }

    /// Through the real server: the page at `/`, the JSON 404 for unknown API paths unchanged.
    @Test func theServerServesThePageAndKeepsTheAPI404() async throws {
        try await TestServer.with(site: Self.site) { server in
            let page = try await server.client.request(method: "GET", url: server.base + "/")
            #expect(page.status == 200)
            #expect(page.headers["Content-Security-Policy"]?.hasPrefix("default-src 'self'") == true)
            let api = try await server.client.request(method: "GET", url: server.base + "/api/nothing")
            #expect(api.status == 404)
            #expect(api.headers["Content-Type"]?.hasPrefix("application/json") == true)
            let traversal = try await server.client.request(method: "GET", url: server.base + "/%2e%2e/Package.swift")
            #expect(traversal.status == 404)
        }
    }

    /// Photos come from the object store's presigned links: its origin (and only it) joins `img-src`; scripts and
    /// calls stay on this origin.
    @Test func photosFromTheObjectStoreAreAllowedAndNothingElse() throws {
        #expect(StaticSite.origin(of: "http://127.0.0.1:9000") == "http://127.0.0.1:9000")
        #expect(StaticSite.origin(of: "https://S3.plant.example/bucket") == "https://S3.plant.example")
        #expect(StaticSite.origin(of: "ftp://files.example") == nil)
        #expect(StaticSite.origin(of: "http://evil.example; script-src *") == nil)
        #expect(StaticSite.origin(of: "not a url") == nil)
        let site = StaticSite(files: ["/index.html": Array("<p>".utf8)], imageOrigins: ["https://s3.plant.example"])
        let response = try #require(
            site.response(to: HTTPRequest(method: .get, path: "/", target: "/", headers: HTTPHeaders())))
        let csp = try #require(response.headers["Content-Security-Policy"])
        #expect(csp.contains("img-src 'self' blob: https://s3.plant.example;"))
        #expect(csp.hasPrefix("default-src 'self';"))
        #expect(!csp.contains("script-src"))
    }
}
