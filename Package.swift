// swift-tools-version: 6.2
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "maia-watchdog",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "maia-watchdogd", targets: ["maia-watchdogd"]),
        .executable(name: "maia-watchdogctl", targets: ["maia-watchdogctl"]),
        .executable(name: "maia-standin", targets: ["maia-standin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        /// The system SQLite (Debian: libsqlite3-dev), for the durable task store.
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]
        ),
        /// The control socket's wire protocol, shared by the daemon and `maia-watchdogctl`: task IDs,
        /// states, spans, RFC 3339 times, request lines (parsing and rendering), error codes and the
        /// response objects. Depends on nothing but the standard library and FoundationEssentials.
        .target(name: "WatchdogProtocol", swiftSettings: strict),
        /// Pure logic: policy, task records and their state machine, the daemon's responses.
        .target(
            name: "WatchdogCore",
            dependencies: [
                "WatchdogProtocol",
                .product(name: "HeapModule", package: "swift-collections"),
            ],
            swiftSettings: strict
        ),
        /// The Maia API over AsyncHTTPClient: stop calls, ProblemDetail, tokens.
        .target(
            name: "MaiaClient",
            dependencies: [
                "WatchdogCore",
                "WatchdogProtocol",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        /// A loopback Maia stand-in that follows the Stop endpoint's OpenAPI, for tests and local runs.
        .target(
            name: "MaiaStandIn",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        /// Debian's libsystemd (libsystemd-dev), used only by `Systemd`.
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        /// Swift over libsystemd: notifier, listened sockets, watchdog interval, journald LogHandler.
        .target(
            name: "Systemd",
            dependencies: [
                "CSystemd",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        /// The long-running services and their assembly.
        .target(
            name: "WatchdogDaemon",
            dependencies: [
                "WatchdogProtocol",
                "WatchdogCore",
                "MaiaClient",
                "Systemd",
                "CSQLite",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "maia-watchdogd",
            dependencies: [
                "WatchdogDaemon",
                "Systemd",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "maia-watchdogctl",
            dependencies: [
                "WatchdogProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "maia-standin",
            dependencies: [
                "MaiaStandIn",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        /// The benchmarks of `docs/performance.md`, run against the real daemon by `Benchmarks/run.sh`.
        .executableTarget(
            name: "maia-watchdog-bench",
            dependencies: [
                "MaiaStandIn",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/maia-watchdog-bench",
            swiftSettings: strict
        ),
        /// What every test target shares: the manual clock, bounded waits, temporary directories, the log recorder
        /// (over swift-log's `InMemoryLogHandler`), Unix socket files and the stand-in with its token file
        /// (`StandInWithToken`). Never linked into a product.
        .target(
            name: "TestSupport",
            dependencies: [
                "MaiaStandIn",
                "WatchdogCore",
                "WatchdogProtocol",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: strict
        ),
        .testTarget(name: "WatchdogProtocolTests", dependencies: ["WatchdogProtocol"], swiftSettings: strict),
        .testTarget(
            name: "WatchdogCoreTests",
            dependencies: ["WatchdogCore", "WatchdogProtocol"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "MaiaClientTests",
            dependencies: [
                "MaiaClient", "MaiaStandIn", "WatchdogCore", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "MaiaStandInTests",
            dependencies: [
                "MaiaStandIn", "maia-standin", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "WatchdogDaemonTests",
            dependencies: [
                "WatchdogDaemon", "WatchdogCore", "WatchdogProtocol", "MaiaClient", "MaiaStandIn", "maia-watchdogd",
                "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SystemdTests",
            dependencies: [
                "Systemd",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "MaiaWatchdogCtlTests",
            dependencies: ["maia-watchdogctl", "WatchdogProtocol", "TestSupport"],
            swiftSettings: strict
        ),
    ]
)
