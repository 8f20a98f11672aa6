// swift-tools-version: 6.1
import PackageDescription

// Dependencies point one way, toward PolyphonyCore (see ../shared/DESIGN.md).
// Only PolyphonyBackends talks HTTP. YAML is read by Engine (personas, sessions) and
// Backends (the backends file); Core and Scoring stay dependency-free.
let package = Package(
    name: "Polyphony",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "polyphony", targets: ["polyphony"]),
        .library(name: "PolyphonyCore", targets: ["PolyphonyCore"]),
        .library(name: "PolyphonyBackends", targets: ["PolyphonyBackends"]),
        .library(name: "PolyphonyEngine", targets: ["PolyphonyEngine"]),
        .library(name: "PolyphonyScoring", targets: ["PolyphonyScoring"]),
        .library(name: "PolyphonyExperiments", targets: ["PolyphonyExperiments"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .target(name: "PolyphonyCore"),
        .target(
            name: "PolyphonyBackends",
            dependencies: ["PolyphonyCore", .product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "PolyphonyEngine",
            dependencies: ["PolyphonyCore", .product(name: "Yams", package: "Yams")]
        ),
        .target(name: "PolyphonyScoring", dependencies: ["PolyphonyCore"]),
        // Condition grids, the experiment runner, statistics. Backends arrive as a lookup closure.
        .target(
            name: "PolyphonyExperiments",
            dependencies: [
                "PolyphonyCore", "PolyphonyEngine", "PolyphonyScoring", .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "polyphony",
            dependencies: [
                "PolyphonyCore", "PolyphonyBackends", "PolyphonyEngine", "PolyphonyScoring", "PolyphonyExperiments",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Loopback servers and fixtures shared by tests and benchmarks. Never linked into `polyphony`.
        .target(name: "PolyphonyTestSupport", dependencies: ["PolyphonyCore"]),
        // Measurements, run in release mode: `swift run -c release polyphony-bench`.
        .executableTarget(
            name: "polyphony-bench",
            dependencies: [
                "PolyphonyCore", "PolyphonyBackends", "PolyphonyEngine", "PolyphonyScoring",
                "PolyphonyTestSupport",
            ],
            path: "Sources/PolyphonyBenchmarks"
        ),
        .testTarget(name: "PolyphonyCoreTests", dependencies: ["PolyphonyCore"]),
        .testTarget(
            name: "PolyphonyBackendsTests",
            dependencies: ["PolyphonyBackends", "PolyphonyTestSupport"]
        ),
        .testTarget(
            name: "PolyphonyEngineTests",
            dependencies: ["PolyphonyEngine", "PolyphonyTestSupport"]
        ),
        .testTarget(
            name: "PolyphonyScoringTests",
            dependencies: ["PolyphonyScoring", "PolyphonyTestSupport"]
        ),
        .testTarget(
            name: "PolyphonyExperimentsTests",
            dependencies: ["PolyphonyExperiments", "PolyphonyTestSupport"]
        ),
        // Runs the built `polyphony` binary as a user would.
        .testTarget(
            name: "PolyphonyCLITests",
            dependencies: ["PolyphonyCore", "PolyphonyTestSupport", "polyphony"]
        ),
    ]
)
