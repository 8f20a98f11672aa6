import ArgumentParser
import Foundation
import PolyphonyBackends
import PolyphonyCore
import PolyphonyEngine
import PolyphonyExperiments

/// `polyphony baseline`: the hivemind reference pool — what the models say anyway.
struct BaselineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "Ask models for ideas with no persona and write the answers as a reference pool (a JSONL idea list).",
        discussion: """
            Each --backend entry is asked once per topic and seed, with the instruction a brainwriting
            member gets on its first turn and no persona. Rows have text, author (the model), kind
            agent, group, prompt (the topic), and backend, model, topic, seed. Score against the pool with
            `polyphony score ... --reference POOL.jsonl`.

            Examples:
              polyphony baseline sessions/brainwriting.yaml --backend openai --backend anthropic --samples 10 --out pool.jsonl
              polyphony baseline experiments/homogeneity.yaml --backend model-a --samples 20 --out hivemind.jsonl
              polyphony baseline --topic "How might a town cut water use by a fifth?" --backend local --out pool.jsonl

            Running the same command again skips the (backend, topic, seed) calls the file holds and
            asks the rest, so an interrupted run resumes. The response cache is on, as for `run`.
            """
    )

    @Argument(help: "Session or grid files (YAML) whose topics to ask about.")
    var files: [String] = []

    @Option(help: "A topic given directly (repeatable).")
    var topic: [String] = []

    @Option(help: "A backends-file entry to ask (repeatable).")
    var backend: [String] = []

    @Option(help: "Calls per backend and topic, with seeds 1…N.")
    var samples = 5

    @Option(help: "Ideas asked for per call.")
    var ideasPerCall = 5

    @Option(help: "Sampling temperature.")
    var temperature = 1.0

    @Option(help: "Token limit per answer.")
    var maxTokens = 600

    @Option(help: "Calls in flight at once (each backend's max_concurrency still applies).")
    var concurrency = 4

    @Option(help: "The JSONL pool to write or extend.")
    var out: String

    @Option(help: "The backends file (default: ./backends.yaml, then $XDG_CONFIG_HOME/polyphony/backends.yaml).")
    var backends: String?

    @Flag(help: "Do not read or write the response cache.")
    var noCache = false

    @Option(help: "The response cache folder (default: $XDG_CACHE_HOME/polyphony/responses).")
    var cacheDir: String?

    @OptionGroup var logging: LoggingOptions
    @OptionGroup var localServer: LocalServerOptions

    func validate() throws {
        if files.isEmpty && topic.isEmpty { throw ValidationError("give a session or grid file, or --topic TEXT") }
        if backend.isEmpty { throw ValidationError("give at least one --backend NAME") }
        if samples < 1 || ideasPerCall < 1 || concurrency < 1 || maxTokens < 1 {
            throw ValidationError("--samples, --ideas-per-call, --concurrency and --max-tokens must be 1 or more")
        }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let backendsFile = try BackendsFile.resolve(explicitPath: backends, environment: environment)
        try FileIdentity.refuseOverwriting(inputs: files + [backendsFile.path].compactMap { $0 }, with: [out])
        let topics = try BaselineTopics.gather(texts: topic, files: files)
        let summary = try await BackendSet.withManagedServers(
            file: backendsFile, environment: environment,
            cacheDirectory: ResponseCache.directory(disabled: noCache, explicit: cacheDir, environment: environment),
            threads: localServer.threads, logger: logging.logger
        ) { set in
            let pool = BaselinePool(
                backends: try backend.map { try set.backend(named: $0) }, topics: topics, seeds: (1...samples).map(UInt64.init),
                ideasPerCall: ideasPerCall, temperature: temperature, maxTokens: maxTokens, concurrency: concurrency)
            let total = backend.count * topics.count * samples
            return try await pool.run(output: out) { progress in
                StandardError.writeLine("[\(progress.calls + progress.skipped)/\(total)] \(progress.ideas) ideas")
            }
        }
        print("\(summary.calls) calls, \(summary.ideas) ideas written to \(out); \(summary.skipped) calls already in the file"
            + (summary.empty > 0 ? "; \(summary.empty) answers held no idea (asked again next time)" : ""))
    }
}
