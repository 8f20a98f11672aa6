import Foundation
import PolyphonyBackends
import PolyphonyCore

/// The managed local model (llama-server, SmolLM2-135M): aggregate generation tokens/s of one
/// request against four in flight at once, on a server with four slots and, for the earlier
/// behaviour (one request at a time), on a server with one. Run on the installed Q4_0 file and,
/// when it is there, on the Q4_1 file it was converted from (the model the server ran before).
/// Target: four concurrent requests deliver ≥ 2 × the tokens/s of one. Needs
/// `bash scripts/install-local-runtime.sh`. `POLYPHONY_BENCH_THREADS` overrides the threads.
let localModelSuite = BenchmarkSuite(name: "local", summary: "local llama-server: tokens/s of 4 concurrent requests vs 1 (target ≥ 2 ×), 4 slots vs 1, Q4_0 vs Q4_1") {
    let environment = ProcessInfo.processInfo.environment
    let runtime = try LocalRuntime.locate(environment: environment)
    let threads = environment["POLYPHONY_BENCH_THREADS"].flatMap(Int.init) ?? LocalModelServer.defaultThreads
    let tokens = 96
    print("  \(threads) thread(s), \(tokens) tokens per request, median of 3; \(loadSummary())")

    var models = [runtime.model]
    let earlier = runtime.model.replacingOccurrences(of: ".Q4_0.gguf", with: ".Q4_1.gguf")
    if earlier != runtime.model, FileManager.default.fileExists(atPath: earlier) { models.append(earlier) }
    var results: [String: (one: Double, four: Double)] = [:]
    for model in models {
        let name = (model as NSString).lastPathComponent
        var modelRuntime = runtime
        modelRuntime.model = model
        for slots in [4, 1] {
            let server = try await LocalModelServer.start(runtime: modelRuntime, modelAlias: "bench", threads: threads, slots: slots)
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
            results["\(name) \(slots)"] = (one, four)
            print(String(
                format: "  %@, %d slot(s): 1 request %6.1f tok/s; 4 concurrent %6.1f tok/s = %.2f × (target ≥ 2 ×: %@); busy slots per decode %.2f",
                name as NSString, slots, one, four, four / one, (four / one >= 2 ? "meets" : "misses") as NSString, busy ?? .nan
            ))
        }
    }
    if models.count == 2, let now = results["\((models[0] as NSString).lastPathComponent) 4"],
       let before = results["\((models[1] as NSString).lastPathComponent) 1"] {
        print(String(
            format: "  a parallel phase of 4 now (Q4_0, 4 slots) against the earlier server (Q4_1, one request at a time): %.2f ×; one request alone: %.2f ×",
            now.four / before.four, now.one / before.one
        ))
    }
    print("  \(loadSummary())")
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
