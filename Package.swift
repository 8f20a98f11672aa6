// swift-tools-version: 6.1
import PackageDescription

// Dependencies point one way, toward PolyphonyCore (see ../shared/DESIGN.md).
// Only PolyphonyBackends talks HTTP. Only PolyphonyYAML imports Yams: personas, sessions,
// grids and the backends file are all read through it. Core and Scoring take nothing but
// swift-log's API (no handler). Libraries take a `Logger` (`Logger.disabled` by default, in
// Core); only the executable decides where log lines go (stderr, with --log-level).
let package = Package(
    name: "Polyphony",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "polyphony", targets: ["polyphony"]),
        .library(name: "PolyphonyCore", targets: ["PolyphonyCore"]),
        .library(name: "PolyphonyTranscript", targets: ["PolyphonyTranscript"]),
        .library(name: "PolyphonyBackends", targets: ["PolyphonyBackends"]),
        .library(name: "PolyphonyEngine", targets: ["PolyphonyEngine"]),
        .library(name: "PolyphonyScoring", targets: ["PolyphonyScoring"]),
        .library(name: "PolyphonyEmbeddings", targets: ["PolyphonyEmbeddings"]),
        .library(name: "PolyphonyExperiments", targets: ["PolyphonyExperiments"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .target(name: "PolyphonyCore", dependencies: ["CPolyphonyKernels", .product(name: "Logging", package: "swift-log")]),
        // The transcript format: events, streaming reader, crash-safe writer and its lock,
        // validator, renderer, comparison. Needs nothing but Core.
        .target(name: "PolyphonyTranscript", dependencies: ["PolyphonyCore"]),
        // libcurl (Debian: libcurl4-openssl-dev) with typed wrappers for its variadic setters.
        // Only PolyphonyBackends imports it.
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("curl")]),
        // The one YAML reader: line-carrying values and the one error mapping, behind `internal import Yams`.
        .target(name: "PolyphonyYAML", dependencies: ["PolyphonyCore", .product(name: "Yams", package: "Yams")]),
        .target(
            name: "PolyphonyBackends",
            dependencies: [
                "PolyphonyCore", "PolyphonyTranscript", "PolyphonyYAML", "CCurl",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "PolyphonyEngine",
            dependencies: [
                "PolyphonyCore", "PolyphonyTranscript", "PolyphonyYAML",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "PolyphonyScoring",
            dependencies: ["PolyphonyCore", "PolyphonyTranscript", "CPolyphonyKernels", .product(name: "Logging", package: "swift-log")]
        ),
        // The offline all-MiniLM-L6-v2 sentence embedder. It loads the system BLAS (OpenBLAS;
        // Debian: libopenblas0) with dlopen at first use, so building needs no BLAS headers.
        // bfloat16 matrix kernels (AVX512_BF16) for the embedder, SHA-256 blocks with the SHA
        // extensions for Core's hash, and similarity-bound kernels (AVX-512F, AVX2+FMA, scalar) for
        // near-duplicate search, each picked at run time by CPU flags.
        .target(name: "CPolyphonyKernels"),
        .target(name: "PolyphonyEmbeddings", dependencies: ["PolyphonyCore", "CPolyphonyKernels"]),
        // Condition grids, the experiment runner, statistics. Backends arrive as a lookup closure.
        .target(
            name: "PolyphonyExperiments",
            dependencies: [
                "PolyphonyCore", "PolyphonyTranscript", "PolyphonyYAML", "PolyphonyEngine", "PolyphonyScoring",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "polyphony",
            dependencies: [
                "PolyphonyCore", "PolyphonyTranscript", "PolyphonyBackends", "PolyphonyEngine", "PolyphonyScoring",
                "PolyphonyEmbeddings", "PolyphonyExperiments",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Loopback servers and fixtures shared by tests and benchmarks. Never linked into `polyphony`.
        // Backends for `BackendConfiguration`: the fake server hands out entries pointing at itself.
        .target(name: "PolyphonyTestSupport", dependencies: ["PolyphonyCore", "PolyphonyBackends"]),
        // The fake LLM server as its own process, for shell-driven checks (scripts/check-human-seat.sh).
        .executableTarget(
            name: "polyphony-fake-server", dependencies: ["PolyphonyTestSupport"], path: "Sources/PolyphonyFakeServer"
        ),
        // Measurements, run in release mode: `swift run -c release polyphony-bench`.
        .executableTarget(
            name: "polyphony-bench",
            dependencies: [
                "PolyphonyCore", "PolyphonyTranscript", "PolyphonyBackends", "PolyphonyEngine", "PolyphonyScoring",
                "PolyphonyTestSupport", "PolyphonyEmbeddings", "PolyphonyExperiments",
            ],
            path: "Sources/PolyphonyBenchmarks"
        ),
        .testTarget(name: "PolyphonyCoreTests", dependencies: ["PolyphonyCore"]),
        .testTarget(name: "PolyphonyTranscriptTests", dependencies: ["PolyphonyTranscript"]),
        .testTarget(
            name: "PolyphonyBackendsTests",
            dependencies: [
                "PolyphonyBackends", "PolyphonyTranscript", "PolyphonyTestSupport",
                .product(name: "InMemoryLogging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "PolyphonyEngineTests",
            // Backends for the tests that run sessions over real HTTP to the loopback fake.
            dependencies: [
                "PolyphonyEngine", "PolyphonyTranscript", "PolyphonyBackends", "PolyphonyTestSupport",
                .product(name: "InMemoryLogging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "PolyphonyScoringTests",
            dependencies: [
                "PolyphonyScoring", "PolyphonyTranscript", "PolyphonyTestSupport",
                .product(name: "InMemoryLogging", package: "swift-log"),
            ],
            exclude: ["Fixtures"]  // read through #filePath; written by scripts/originality/fit.py
        ),
        .testTarget(
            name: "PolyphonyEmbeddingsTests", dependencies: ["PolyphonyEmbeddings"],
            exclude: ["Fixtures"]  // read through #filePath; regenerated by scripts/make-minilm-reference.py
        ),
        .testTarget(
            name: "PolyphonyExperimentsTests",
            dependencies: ["PolyphonyExperiments", "PolyphonyTestSupport"]
        ),
        // Runs the built `polyphony` binary as a user would.
        .testTarget(
            name: "PolyphonyCLITests",
            dependencies: ["PolyphonyCore", "PolyphonyTranscript", "PolyphonyBackends", "PolyphonyTestSupport", "polyphony"]
        ),
    ]
)
