import Foundation
import PolyphonyBackends
import PolyphonyCore

/// The managed local model (llama-server, SmolLM2-135M): aggregate generation tokens/s of one
/// request against four in flight at once, on a server with four slots and, for the earlier
/// behaviour (one request at a time), on a server with one. Run on the installed Q4_0 file and,
/// when it is there, on the Q4_1 file it was converted from (the model the server ran before).
/// Target: four concurrent requests deliver ≥ 2 × the tokens/s of one. Needs
/// `bash scripts/install-local-runtime.sh`. `POLYPHONY_BENCH_THREADS` overrides the threads.
///
/// Then the same ratio for llama.cpp alone, without HTTP, sampling or Polyphony: its own
/// `llama-batched-bench`, built on demand from the installer's build tree (seconds; the
/// installer compiles only what the server needs). That is the ceiling the server can reach.
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
    if let engine = try LocalEngineCeiling.measure(runtime: runtime, threads: threads, tokens: tokens) {
        print(String(
            format: "  llama.cpp alone (llama-batched-bench, %@, median of 3): 1 sequence %6.1f tok/s; 4 in one batch %6.1f tok/s = %.2f ×",
            (runtime.model as NSString).lastPathComponent as NSString, engine.one, engine.four, engine.four / engine.one
        ))
    }
    print("  \(loadSummary())")
}

/// llama.cpp's generation tokens/s for 1 and for 4 sequences decoded in one batch, measured by
/// its `llama-batched-bench` with the server's KV-cache layout and threads.
enum LocalEngineCeiling {
    /// `nil`, with the reason printed, when there is no build tree to build the tool from.
    static func measure(runtime: LocalRuntime, threads: Int, tokens: Int) throws -> (one: Double, four: Double)? {
        guard let tool = try built(cache: runtime.cache) else { return nil }
        var ones: [Double] = [], fours: [Double] = []
        for _ in 0..<3 {
            let output = try run(tool, [
                "-m", runtime.model, "-c", "4096", "-b", "512", "-ub", "512", "-npp", "32", "-ntg", "\(tokens)", "-npl", "1,4",
                "-t", "\(threads)", "-tb", "\(threads)", "--no-kv-unified",
            ])
            let rates = generationRates(output)
            guard let one = rates[1], let four = rates[4] else {
                throw PolyphonyError.io("llama-batched-bench printed no generation rate for 1 and 4 sequences", file: tool)
            }
            ones.append(one)
            fours.append(four)
        }
        return (ones.sorted()[1], fours.sorted()[1])
    }

    /// Generation tokens/s (`S_TG`) by batch size, from the table `llama-batched-bench` prints:
    /// `| PP | TG | B | N_KV | T_PP s | S_PP t/s | T_TG s | S_TG t/s | T s | S t/s |`.
    static func generationRates(_ output: String) -> [Int: Double] {
        var rates: [Int: Double] = [:]
        for line in output.split(separator: "\n") where line.hasPrefix("|") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 8, let batch = Int(cells[2]), let rate = Double(cells[7]) else { continue }
            rates[batch] = rate
        }
        return rates
    }

    private static func built(cache: String) throws -> String? {
        let builds = (cache as NSString).appendingPathComponent("build")
        let trees = ((try? FileManager.default.contentsOfDirectory(atPath: builds)) ?? [])
            .filter { $0.hasPrefix("llama-server-") }.sorted()
            .map { (builds as NSString).appendingPathComponent($0) }
            .filter { FileManager.default.fileExists(atPath: $0 + "/CMakeCache.txt") }
        guard let tree = trees.last else {
            print("  llama.cpp alone: skipped, no llama.cpp build tree under \(builds) (the installer leaves one)")
            return nil
        }
        let tool = tree + "/bin/llama-batched-bench"
        if !FileManager.default.isExecutableFile(atPath: tool) {
            print("  building llama-batched-bench in \(tree) (seconds: the libraries are built)")
            _ = try run("/usr/bin/env", ["cmake", "--build", tree, "--target", "llama-batched-bench", "-j", "\(ProcessInfo.processInfo.activeProcessorCount)"])
        }
        return tool
    }

    /// Runs `executable` to its end; its standard output and error, or an error with their last
    /// lines. Started with ``SpawnedProcess``: a child of Foundation's `Process` inherits blocked
    /// signals, and `cmake --build` then waited forever for its already-exited `make`.
    private static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let logPath = NSTemporaryDirectory() + "polyphony-bench-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max)).log"
        let log = open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        let input = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer {
            if log >= 0 { close(log) }
            if input >= 0 { close(input) }
            try? FileManager.default.removeItem(atPath: logPath)
        }
        guard log >= 0, input >= 0 else { throw PolyphonyError.io("cannot create a scratch log", file: logPath) }
        let child = try SpawnedProcess(executable: executable, arguments: arguments, input: input, output: log)
        child.waitUntilExit()
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        guard child.terminationStatus == 0 else {
            let tail = text.split(separator: "\n").suffix(5).joined(separator: "\n")
            throw PolyphonyError.io(
                "\((executable as NSString).lastPathComponent) \(arguments.prefix(4).joined(separator: " ")) … exited with \(child.terminationStatus ?? -1):\n\(tail)", file: executable
            )
        }
        return text
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
