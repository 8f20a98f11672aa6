import ArgumentParser
import Foundation
import Logging
import PolyphonyBackends
import PolyphonyCore

/// `polyphony backends list | check`: what model servers are configured and whether they answer.
struct BackendsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backends",
        abstract: "List the configured model servers, or check that they answer.",
        discussion: """
            The backends file is looked up from --backends FILE, then ./backends.yaml, then
            $XDG_CONFIG_HOME/polyphony/backends.yaml. Built-in entries openai, anthropic, gemini,
            ollama and local are always there unless the file redefines them; they read
            OPENAI_API_KEY, ANTHROPIC_API_KEY and GEMINI_API_KEY for keys, and follow
            OPENAI_BASE_URL (or OPENAI_API_BASE), ANTHROPIC_BASE_URL and OLLAMA_HOST for where
            the server is, as the providers' own SDKs do. `local` is
            SmolLM2-135M on a llama.cpp llama-server Polyphony starts itself (install it with
            bash scripts/install-local-runtime.sh). Keys are only ever read from the
            environment and never printed.
            """,
        subcommands: [List.self, Check.self]
    )

    /// Options every backends subcommand takes.
    struct Source: ParsableArguments {
        @Option(name: .long, help: ArgumentHelp("The backends file to use.", valueName: "FILE"))
        var backends: String?

        @Flag(name: .long, help: "Print JSON instead of a table (schemas polyphony.backends/1 and polyphony.backends-check/1, docs/schemas/).")
        var json = false

        func load() throws -> BackendsFile {
            try BackendsFile.resolve(explicitPath: backends, environment: ProcessInfo.processInfo.environment)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show every backend: name, kind, model, and whether its key variable is set (never the key)."
        )

        @OptionGroup var source: Source

        func run() async throws {
            let file = try source.load()
            let environment = ProcessInfo.processInfo.environment
            let rows = file.entries.map { entry in
                ListRow(
                    name: entry.name, kind: entry.kind.rawValue, model: entry.model, embeddingModel: entry.embeddingModel,
                    baseURL: entry.baseURL, apiKeyEnv: entry.apiKeyEnvironmentVariable,
                    keySet: entry.apiKeyEnvironmentVariable.map { !(environment[$0] ?? "").isEmpty }
                )
            }
            if source.json {
                print(String(decoding: try JSONOutput.data(BackendList(backends: rows)), as: UTF8.self))
                return
            }
            print(file.path.map { "backends from \($0) (plus built-ins)" } ?? "built-in backends (no backends file found)")
            let table = TextTable(header: ["NAME", "KIND", "MODEL", "EMBEDDING", "KEY", "BASE URL"], rows: rows.map { row in
                let key = row.apiKeyEnv.map { "\($0) \(row.keySet == true ? "set" : "NOT SET")" } ?? "-"
                return [row.name, row.kind, row.model, row.embeddingModel ?? "-", key, row.baseURL]
            })
            print(table.rendered)
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send one tiny chat request (and one embedding request where configured) to each backend.",
            discussion: "Prints latency, the model that answered, and OK or the error. Exits 1 when any check fails."
        )

        @OptionGroup var source: Source

        @OptionGroup var logging: LoggingOptions
        @OptionGroup var localServer: LocalServerOptions

        @Argument(help: "Backends to check; all of them when omitted.")
        var names: [String] = []

        func run() async throws {
            let file = try source.load()
            let entries = try names.isEmpty ? file.entries : names.map { try file.entry(named: $0) }
            let environment = ProcessInfo.processInfo.environment
            // A `local` entry is checked for real: its managed server starts for the check
            // and stops with the command.
            let results = try await BackendSet.withManagedServers(
                file: file, environment: environment, cacheDirectory: nil, threads: localServer.threads, logger: logging.logger
            ) { set in
                await BackendProbe(set: set, environment: environment, logger: logging.logger).check(entries)
            }
            if source.json {
                let report = BackendCheckReport(ok: results.allSatisfy(\.ok), results: results)
                print(String(decoding: try JSONOutput.data(report), as: UTF8.self))
            } else {
                let table = TextTable(header: ["NAME", "STATUS", "CHAT", "EMBEDDING"], rows: results.map { result in
                    [
                        result.name, result.ok ? "OK" : "FAILED",
                        result.chat.map { "\(Int($0.latencyMs)) ms, \($0.model ?? "?")" } ?? "-",
                        result.embedding.map { "\(Int($0.latencyMs)) ms, \($0.dimensions) dims" } ?? "-",
                    ]
                })
                print(table.rendered)
                for result in results { for error in result.errors { print("\(result.name): \(error)") } }
            }
            if results.contains(where: { !$0.ok }) { throw ExitCode(1) }
        }
    }
}

/// The stable `backends list --json` output, schema `polyphony.backends/1`.
private struct BackendList: Encodable {
    let schema = "polyphony.backends/1"
    let backends: [ListRow]
}

/// The stable `backends check --json` output, schema `polyphony.backends-check/1`.
private struct BackendCheckReport: Encodable {
    let schema = "polyphony.backends-check/1"
    /// Every check passed.
    let ok: Bool
    let results: [BackendCheckResult]
}

/// One entry of `backends list --json`.
private struct ListRow: Encodable {
    var name: String
    var kind: String
    var model: String
    var embeddingModel: String?
    var baseURL: String
    var apiKeyEnv: String?
    var keySet: Bool?

    private enum CodingKeys: String, CodingKey {
        case name, kind, model, embeddingModel, apiKeyEnv, keySet
        case baseURL = "baseUrl"
    }
}
