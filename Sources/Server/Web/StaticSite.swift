import Foundation
import HTTPCore
import Transport

/// The web page's static files, read into memory once at start so that serving them never touches the disk on an
/// event loop; answers `GET`/`HEAD` for paths outside `/api/` and `/ws/` with types, `ETag`s and a strict CSP.
///
/// Only the files found under the root at start can be served: a request path is looked up in that table, never
/// joined onto the root, so `..`, encoded dots, NUL bytes or absolute paths cannot reach any other file.
final class StaticSite: Sendable {
    /// One file as served.
    struct Asset: Sendable {
        var bytes: [UInt8]
        var contentType: String
        var etag: String
    }

    /// Paths (`/index.html`, `/js/incident-rooms.js`) to their contents.
    let assets: [String: Asset]

    /// The CSP of every page answer: scripts, styles and calls to this origin only (no inline script, no eval);
    /// images may also be `blob:` previews of files being uploaded and photos from `imageOrigins` (the object
    /// store, whose presigned links the page shows inline).
    let contentSecurityPolicy: String

    /// The CSP for a page whose photos come from `imageOrigins` (`https://s3.plant.example`).
    static func contentSecurityPolicy(imageOrigins: [String]) -> String {
        let images = (["'self'", "blob:"] + imageOrigins).joined(separator: " ")
        return "default-src 'self'; img-src \(images); object-src 'none'; base-uri 'none'; form-action 'self'; "
            + "frame-ancestors 'none'"
    }

    /// The origin (`scheme://host[:port]`) of a URL, for the CSP; nil when it has none.
    static func origin(of url: String) -> String? {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(),
            scheme == "http" || scheme == "https",
            let host = parsed.host, !host.isEmpty,
            host.allSatisfy({
                $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == ":" || $0 == "[" || $0 == "]"
            })
        else { return nil }
        return parsed.port.map { "\(scheme)://\(host):\($0)" } ?? "\(scheme)://\(host)"
    }

    /// The path under which the JavaScript client module is served (the file stays in Clients/js).
    static let clientModulePath = "/js/incident-rooms.js"

    /// A site of the given files (tests build them directly).
    init(files: [String: [UInt8]], imageOrigins: [String] = []) {
        self.contentSecurityPolicy = Self.contentSecurityPolicy(imageOrigins: imageOrigins)
        var assets: [String: Asset] = [:]
        for (path, bytes) in files {
            assets[path] = Asset(bytes: bytes, contentType: Self.contentType(of: path), etag: Self.etag(of: bytes))
        }
        self.assets = assets
    }

    /// Reads every regular file under `root` (and the client module, when it exists) into memory.
    static func load(root: URL, clientModule: URL?, imageOrigins: [String] = []) -> StaticSite {
        var files: [String: [UInt8]] = [:]
        let base = root.standardizedFileURL.resolvingSymlinksInPath().path
        if let walker = FileManager.default.enumerator(atPath: base) {
            while let relative = walker.nextObject() as? String {
                let full = base + "/" + relative
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue,
                    !relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }),
                    let data = FileManager.default.contents(atPath: full)
                else { continue }
                files["/" + relative] = Array(data)
            }
        }
        if let clientModule, let data = FileManager.default.contents(atPath: clientModule.path) {
            files[Self.clientModulePath] = Array(data)
        }
        return StaticSite(files: files, imageOrigins: imageOrigins)
    }

    /// The web root: `WEB_ROOT` when set, else the first `Web/` folder found in the working directory or above the
    /// executable (`.build/<triple>/debug/incidentd` sits three folders below the checkout); nil when none exists.
    static func root(environment: [String: String], executable: String) -> URL? {
        if let value = environment["WEB_ROOT"], !value.isEmpty { return URL(fileURLWithPath: value) }
        var candidates = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Web")]
        var folder = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(folder.appendingPathComponent("Web"))
            folder = folder.deletingLastPathComponent()
        }
        return candidates.first { url in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
        }
    }

    /// The answer to a request no route took, or nil when it is not the page's (an API path, another method, a
    /// hostile path): the caller then answers its JSON 404.
    func response(to request: HTTPRequest) -> HTTPResponse? {
        guard request.method == .get || request.method == .head else { return nil }
        let path = request.path
        guard path.hasPrefix("/"), !path.hasPrefix("//"), path != "/api", path != "/ws", !path.hasPrefix("/api/"),
            !path.hasPrefix("/ws/"), !path.contains("\0"), !path.contains("\\")
        else { return nil }
        let segments = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        let inner = segments.dropLast()
        guard !segments.contains(where: { $0 == "." || $0 == ".." || $0.hasPrefix(".") }),
            !inner.contains(where: \.isEmpty)
        else { return nil }
        let asset: Asset
        if path == "/" {
            guard let index = self.assets["/index.html"] else { return nil }
            asset = index
        } else if let found = self.assets[path] {
            asset = found
        } else if let last = segments.last, !last.contains("."), let index = self.assets["/index.html"] {
            // A client-side route (`/rooms/…`) gets the page, which reads its own location.
            asset = index
        } else {
            return nil
        }
        var headers: HTTPHeaders = [
            "ETag": asset.etag,
            "Cache-Control": "no-cache",
            "Content-Security-Policy": self.contentSecurityPolicy,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        ]
        if let tags = request.headers["If-None-Match"],
            tags.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == asset.etag })
        {
            return HTTPResponse(status: 304, headers: headers)
        }
        headers.add("Content-Type", asset.contentType)
        return HTTPResponse(status: 200, headers: headers, body: .bytes(asset.bytes))
    }

    static func contentType(of path: String) -> String {
        switch path.split(separator: ".").last.map({ $0.lowercased() }) ?? "" {
        case "html": "text/html; charset=utf-8"
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "json": "application/json"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "jpg", "jpeg": "image/jpeg"
        case "ico": "image/x-icon"
        case "webmanifest": "application/manifest+json"
        case "wav": "audio/wav"
        case "txt", "md": "text/plain; charset=utf-8"
        default: "application/octet-stream"
        }
    }

    /// A strong tag from the contents (FNV-1a, 64 bits, and the length): the same bytes give the same tag across
    /// restarts, so a browser's cached copy stays valid.
    static func etag(of bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return "\"" + String(hash, radix: 16) + "-" + String(bytes.count, radix: 16) + "\""
    }
}
