// swift-tools-version:6.2
import PackageDescription

// No `.package(...)` dependencies, by design (../shared/ARCHITECTURE.md): Foundation, Dispatch, the toolchain,
// and libpq, libldap and libssl reached through the system-library targets below.
let package = Package(
    name: "IncidentRooms",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "incidentd", targets: ["Server"]),
        .executable(name: "incident-bench", targets: ["IncidentBench"]),
    ],
    targets: [
        // C libraries, each behind a module map. Only adapters import them.
        .systemLibrary(name: "CLinuxShim", path: "Sources/Adapters/CLinuxShim"),
        .systemLibrary(name: "CLibPQ", path: "Sources/Adapters/CLibPQ", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CLDAP", path: "Sources/Adapters/CLDAP", providers: [.apt(["libldap2-dev"])]),
        .systemLibrary(name: "COpenSSL", path: "Sources/Adapters/COpenSSL", providers: [.apt(["libssl-dev"])]),

        // The pure core.
        .target(name: "Domain"),
        .target(name: "Application", dependencies: ["Domain"]),

        // Adapters: one target per technology.
        .target(name: "InMemory", dependencies: ["Domain", "Application"], path: "Sources/Adapters/InMemory"),
        .target(
            name: "Postgres", dependencies: ["Domain", "Application", "CLibPQ"], path: "Sources/Adapters/Postgres"),
        .target(name: "LDAP", dependencies: ["Domain", "Application", "CLDAP"], path: "Sources/Adapters/LDAP"),
        // libcrypto's primitives, wrapped once for JWT, S3 and the WebSocket handshake (TLS stays in HTTPClient).
        .target(name: "Crypto", dependencies: ["COpenSSL"], path: "Sources/Adapters/Crypto"),
        .target(name: "JWT", dependencies: ["Domain", "Application", "Crypto"], path: "Sources/Adapters/JWT"),
        // The HTTP/1.1 pieces the server, the HTTP client and the multipart parser share: headers, syntax, dates.
        .target(name: "HTTPCore", path: "Sources/Adapters/HTTPCore"),
        .target(name: "HTTPClient", dependencies: ["COpenSSL", "HTTPCore"], path: "Sources/Adapters/HTTPClient"),
        .target(
            name: "S3", dependencies: ["Domain", "Application", "HTTPClient", "HTTPCore", "Crypto"],
            path: "Sources/Adapters/S3"),
        .target(name: "Transport", dependencies: ["CLinuxShim", "Crypto", "HTTPCore"], path: "Sources/Adapters/Transport"),

        // The composition root and the tools.
        .executableTarget(
            name: "Server",
            dependencies: [
                "Domain", "Application", "InMemory", "Postgres", "LDAP", "JWT", "S3", "Transport", "HTTPCore", "Crypto",
            ],
            path: "Sources/Server"),
        .executableTarget(
            name: "IncidentBench", dependencies: ["Transport", "TransportTesting", "HTTPClient", "Domain"],
            path: "Benchmarks/IncidentBench"),
        // The transport's conformance and bench endpoints (echo, broadcast rooms): for the bench tool and the
        // tests only, so no production binary carries them.
        .target(name: "TransportTesting", dependencies: ["Transport"], path: "Benchmarks/TransportTesting"),

        // Tests. TestSupport holds the store contract suites and service discovery, shared by adapter tests.
        .target(name: "TestSupport", dependencies: ["Domain", "Application"], path: "Tests/TestSupport"),
        // A raw TCP client for feeding a server exact bytes, shared by the transport and server tests.
        .target(
            name: "TransportTestSupport", dependencies: ["Transport", "HTTPCore"], path: "Tests/TransportTestSupport"),
        .testTarget(name: "DomainTests", dependencies: ["Domain"]),
        .testTarget(name: "ApplicationTests", dependencies: ["Domain", "Application", "InMemory", "TestSupport"]),
        .testTarget(name: "InMemoryTests", dependencies: ["Domain", "Application", "InMemory", "TestSupport"]),
        .testTarget(name: "PostgresTests", dependencies: ["Domain", "Application", "Postgres", "TestSupport"]),
        .testTarget(name: "LDAPTests", dependencies: ["Domain", "Application", "LDAP", "TestSupport"]),
        .testTarget(name: "JWTTests", dependencies: ["Domain", "Application", "JWT", "Crypto", "TestSupport"]),
        .testTarget(
            name: "S3Tests",
            dependencies: ["Domain", "Application", "S3", "HTTPClient", "HTTPCore", "Crypto", "InMemory", "TestSupport"]),
        .testTarget(
            name: "TransportTests",
            dependencies: ["Transport", "HTTPCore", "TransportTesting", "TransportTestSupport", "TestSupport"]),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "Domain", "Application", "InMemory", "Postgres", "JWT", "Transport", "HTTPClient", "HTTPCore",
                "TestSupport", "TransportTestSupport",
            ]),
    ],
    swiftLanguageModes: [.v6]
)

for target in package.targets where target.type != .system {
    target.swiftSettings =
        (target.swiftSettings ?? []) + [
            .enableUpcomingFeature("ExistentialAny"),
            .enableUpcomingFeature("MemberImportVisibility"),
            .enableUpcomingFeature("InternalImportsByDefault"),
        ]
}
