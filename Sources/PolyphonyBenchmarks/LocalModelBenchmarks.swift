import Foundation
import PolyphonyBackends
import PolyphonyCore

/// The managed local model (llama-server, SmolLM2-135M): aggregate generation tokens/s of one
/// request against four in flight at once, on a server with four slots and, for the earlier
/// behaviour (one request at a time), on a server with one. Target: four concurrent requests
/// deliver ≥ 2 × the tokens/s of one. Needs `bash scripts/install-local-runtime.sh`.
let localModelSuite = BenchmarkSuite(name: "local", summary: "local llama-server: tokens/s of 4 concurrent requests vs 1 (target ≥ 2 ×), 4 slots vs 1") {
    let environment = ProcessInfo.processInfo.environment
    let runtime = try LocalRuntime.locate(environment: environment)
    let threads = environment["POLYPHONY_BENCH_THREADS"].flatMap(Int.init) ?? LocalModelServer.defaultThreads
    let tokens = 96
    print("  model \((runtime.model as NSString).lastPathComponent), \(threads) thread(s), \(tokens) tokens per request, median of 3")

    for slots in [4, 1] {
        let server = try await LocalModelServer.start(runtime: runtime, modelAlias: "bench", threads: threads, slots: slots)
        defer { server.stop() }
        let config = BackendConfiguration(
            name: "bench", kind: .openai, baseURL: server.baseURL + "/v1", model: "bench", maxConcurrency: 4,
            firstByteTimeoutSeconds: 600, totalTimeoutSeconds: 1200, maxAttempts: 1
        )
        let backend = try HTTPChatBackend(configuration: config, apiKey: nil)
        _ = try await LocalModelRun.generate(backend, count: 1, tokens: 8, seed: 1)
        let one = try await LocalModelRun.median { try await LocalModelRun.generate(backend, count: 1, tokens: tokens, seed: $0) }
        let four = try await LocalModelRun.median { try await LocalModelRun.generate(backend, count: 4, tokens: tokens, seed: $0) }
        let busy = try await server.metric("n_busy_slots_per_decode")
        print(String(
            format: "  %d slot(s): 1 request %6.1f tok/s; 4 concurrent %6.1f tok/s = %.2f × (target ≥ 2 ×: %@); busy slots per decode %.2f",
            slots, one, four, four / one, (four / one >= 2 ? "meets" : "misses") as NSString, busy ?? .nan
        ))
    }
}

enum LocalModelRun {
    /// Aggregate completion tokens per wall second of `count` requests sent at once.
    static func generate(_ backend: HTTPChatBackend, count: Int, tokens: Int, seed: UInt64) async throws -> Double {
        let clock = ContinuousClock()
        var produced = 0
        let elapsed = try await clock.measure {
            produced = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<count {
                    group.addTask {
                        let request = ChatRequest(
                            messages: [.user("Tell a long, detailed story about a lighthouse keeper and a storm. Request \(index).")],
                            temperature: 0.8, maxTokens: tokens, seed: seed * 100 + UInt64(index)
                        )
                        var last: ChatResponse?
                        for try await event in backend.stream(request) {
                            if case .completed(let response) = event { last = response }
                        }
                        return last?.usage.completionTokens ?? 0
                    }
                }
                return try await group.reduce(0, +)
            }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return Double(produced) / seconds
    }

    static func median(_ body: (UInt64) async throws -> Double) async throws -> Double {
        var samples: [Double] = []
        for run in 0..<3 { samples.append(try await body(UInt64(run + 2))) }
        return samples.sorted()[samples.count / 2]
    }
}
