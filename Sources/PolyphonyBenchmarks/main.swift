import Foundation

// Release-mode measurements: `swift run -c release polyphony-bench [SUITE...]`.
// Each feature adds its suite to this list; nothing here is part of the test run.
let suites: [BenchmarkSuite] = [
    transcriptSuite,
    backendSuite,
    waitingSuite,
    orchestrationSuite,
    largeSessionSuite,
    overheadSuite,
    scoringSuite,
    scoringScale10kSuite,
    scoringScale100kSuite,
    scoringAuthorsSuite,
    embeddingSuite,
    experimentSuite,
    originalitySuite,
    localModelSuite,
]

let requested = Set(CommandLine.arguments.dropFirst())
if requested.contains("--list") {
    for suite in suites { print("\(suite.name)\t\(suite.summary)") }
    exit(0)
}
for suite in suites where requested.isEmpty || requested.contains(suite.name) {
    print("== \(suite.name): \(suite.summary)")
    do {
        try await suite.run()
    } catch {
        print("  failed: \(error)")
    }
}
if let peak = peakResidentMiB() { print(String(format: "peak RSS %.1f MiB", peak)) }
