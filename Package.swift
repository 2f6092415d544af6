// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Ingest",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ingest", targets: ["ingest"]),
        .library(name: "IngestCore", targets: ["IngestCore"]),
        .library(name: "IngestEngine", targets: ["IngestEngine"]),
        .library(name: "IngestSQLite", targets: ["IngestSQLite"]),
        .library(name: "IngestPostgres", targets: ["IngestPostgres"]),
        .library(name: "IngestSync", targets: ["IngestSync"]),
        .library(name: "IngestGraph", targets: ["IngestGraph"]),
        .library(name: "IngestGraphPostgres", targets: ["IngestGraphPostgres"]),
        .library(name: "IngestRuntime", targets: ["IngestRuntime"]),
        .library(name: "IngestS3", targets: ["IngestS3"]),
        .library(name: "IngestServer", targets: ["IngestServer"]),
        .library(name: "IngestRDF", targets: ["IngestRDF"]),
        .library(name: "IngestSPARQL", targets: ["IngestSPARQL"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .target(
            name: "IngestCore",
            dependencies: [
                .product(name: "Logging", package: "swift-log"), .product(name: "Yams", package: "Yams"), .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "IngestSQLite",
            dependencies: [
                "IngestCore", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
        .target(
            name: "IngestEngine",
            dependencies: [
                "IngestCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(name: "CIngestSystem"),
        .target(
            name: "IngestRedis",
            dependencies: [
                "IngestCore", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "IngestPostgres",
            dependencies: [
                "IngestCore", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "IngestS3",
            dependencies: [
                "IngestCore", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "IngestRDF"),
        .target(
            name: "IngestSPARQL",
            dependencies: [
                "IngestRDF", "IngestCore", "IngestS3", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "IngestSync",
            dependencies: [
                "IngestCore", "CIngestSystem", .product(name: "Crypto", package: "swift-crypto"), .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "IngestGraph",
            dependencies: [
                "IngestCore", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "IngestGraphPostgres",
            dependencies: [
                "IngestCore", "IngestGraph", "IngestPostgres", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "IngestRuntime",
            dependencies: [
                "IngestCore", "IngestEngine", "IngestSQLite", "IngestSync", "IngestRedis", "IngestPostgres", "IngestGraph", "IngestGraphPostgres",
                "IngestS3", .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "IngestServer",
            dependencies: [
                "IngestCore", "IngestEngine", "IngestRuntime", "IngestGraph", "IngestSync",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"), .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"), .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "IngestCLI",
            dependencies: [
                "IngestCore", "IngestEngine", "IngestRuntime", "IngestSync", "IngestGraph", "IngestServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "ingest", dependencies: ["IngestCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            // Release builds link the Swift runtime and Foundation in: every job is a process start, and
            // resolving their symbols at each start cost about 4 ms of CPU (bench/results/put-tmpfs.md).
            // lld, because gold warns about a libc call inside the static Foundation. Debug builds (and
            // the test bundle, which links this target's settings) stay dynamic.
            linkerSettings: [.unsafeFlags([
                "-static-stdlib", "-use-ld=lld", "-Xlinker", "--start-group", "-lFoundation", "-lFoundationInternationalization", "-lFoundationEssentials",
                "-lCoreFoundation", "-l_FoundationICU", "-l_FoundationCShims", "-l_FoundationCollections",
                // FoundationXML (the S3 client's XML answers) and the libxml2 under it (libxml2-dev).
                "-lFoundationXML", "-l_CFXMLInterface", "-lxml2", "-Xlinker", "--end-group",
            ], .when(platforms: [.linux], configuration: .release))]
        ),
        .executableTarget(
            name: "ingest-queue-bench",
            dependencies: [
                "IngestCore", "IngestEngine", "IngestRedis", "IngestSQLite",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "IngestTesting",
            dependencies: [
                "IngestCore", "IngestEngine", "IngestSQLite", "IngestSync", "IngestRedis", "IngestPostgres", "IngestGraph", "IngestS3",
                .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Tests/IngestTesting"
        ),
        .testTarget(name: "BrokerConformanceTests", dependencies: ["IngestCore", "IngestSQLite", "IngestRedis", "IngestTesting"]),
        .testTarget(
            name: "IngestSQLiteTests",
            dependencies: ["IngestCore", "IngestSQLite", "IngestTesting", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(name: "CatalogConformanceTests", dependencies: ["IngestCore", "IngestTesting"]),
        .testTarget(name: "StorageConformanceTests", dependencies: ["IngestCore", "IngestTesting"]),
        .testTarget(
            name: "IngestPostgresTests",
            dependencies: [
                "IngestCore", "IngestPostgres", "IngestTesting", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "IngestS3Tests",
            dependencies: [
                "IngestS3", "IngestCore", "IngestTesting", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "IngestRDFTests", dependencies: ["IngestRDF"]),
        .testTarget(
            name: "SPARQLStoreTests",
            dependencies: ["IngestSPARQL", "IngestRDF", "IngestCore", "IngestTesting", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(name: "IngestCoreTests", dependencies: ["IngestCore", "IngestTesting"]),
        .testTarget(
            name: "IngestRedisTests",
            dependencies: [
                "IngestRedis", "IngestCore", "IngestTesting", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "IngestSyncTests",
            dependencies: ["IngestCore", "IngestSync", "IngestTesting", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "IngestEngineTests",
            dependencies: ["IngestCore", "IngestEngine", "IngestSQLite", "IngestTesting", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "IngestGraphTests",
            dependencies: [
                "IngestCore", "IngestGraph", "IngestGraphPostgres", "IngestPostgres", "IngestEngine", "IngestSQLite", "IngestTesting",
                .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "IngestRuntimeTests",
            dependencies: ["IngestCore", "IngestEngine", "IngestRuntime", "IngestSync", "IngestTesting", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "IngestServerTests",
            dependencies: [
                "IngestServer", "IngestRuntime", "IngestCore", "IngestEngine", "IngestSync", "IngestTesting",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "IngestCLITests",
            dependencies: [
                "IngestCLI", "ingest", "IngestCore", "IngestSQLite", "IngestRedis", "IngestPostgres", "IngestGraph", "IngestGraphPostgres",
                "IngestTesting", "IngestS3",
                .product(name: "Logging", package: "swift-log"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            // The browser check is a Python script the tests run (DashboardBrowserTests), not a resource.
            exclude: ["Browser"]
        ),
    ]
)
