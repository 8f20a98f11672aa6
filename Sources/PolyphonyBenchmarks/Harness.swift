import Foundation

/// A named measurement suite. Suites print their own numbers; nothing here passes or fails.
struct BenchmarkSuite: Sendable {
    let name: String
    let summary: String
    let run: @Sendable () async throws -> Void
}

/// Times `body` `iterations` times after one warm-up and prints min, median and p90.
/// - Returns: The median in seconds.
@discardableResult
func measure(_ label: String, iterations: Int = 10, _ body: () async throws -> Void) async rethrows -> Double {
    let clock = ContinuousClock()
    try await body()
    var samples: [Double] = []
    for _ in 0..<iterations {
        let elapsed = try await clock.measure { try await body() }
        samples.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }
    samples.sort()
    let median = samples[samples.count / 2]
    let p90 = samples[min(samples.count - 1, Int(Double(samples.count) * 0.9))]
    print(String(format: "  %-48@ min %9.3f ms  median %9.3f ms  p90 %9.3f ms", label as NSString, samples[0] * 1e3, median * 1e3, p90 * 1e3))
    return median
}

/// The process's peak resident set size (VmHWM) in MiB, or `nil` where /proc is missing.
func peakResidentMiB() -> Double? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kilobytes = line.split(separator: " ").compactMap { Double($0) }.first
        return kilobytes.map { $0 / 1024 }
    }
    return nil
}

/// "load average: 1-min 5-min 15-min on N cores", so every result says how busy the machine was.
func loadSummary() -> String {
    let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "unknown"
    return "load average: \(load.split(separator: " ").prefix(3).joined(separator: " ")) on \(ProcessInfo.processInfo.activeProcessorCount) cores"
}
