import PolyphonyBackends
import Testing

/// The command line of a managed llama-server: slots, context and threads as the entry asks.
@Suite struct LocalModelServerTests {
    let runtime = LocalRuntime(server: "/cache/bin/llama-server", model: "/cache/models/m.gguf", cache: "/cache")

    private func value(after flag: String, in arguments: [String]) -> String? {
        arguments.firstIndex(of: flag).flatMap { arguments.indices.contains($0 + 1) ? arguments[$0 + 1] : nil }
    }

    @Test func aChatServerHasOneSlotPerConcurrentRequestAndContextForEach() {
        let arguments = LocalModelServer.serverArguments(
            runtime: runtime, modelAlias: "smol", port: 8123, threads: 3, slots: 4, contextSize: 4096, purpose: .chat
        )
        #expect(arguments.first == "/cache/bin/llama-server")
        #expect(value(after: "--parallel", in: arguments) == "4")
        #expect(value(after: "--ctx-size", in: arguments) == "16384")
        #expect(value(after: "--threads", in: arguments) == "3")
        #expect(value(after: "--threads-batch", in: arguments) == "3")
        #expect(value(after: "--port", in: arguments) == "8123")
        #expect(value(after: "--host", in: arguments) == "127.0.0.1")
        #expect(arguments.contains("--cont-batching") && !arguments.contains("--embedding"))
    }

    @Test func eachSlotKeepsAKVCacheOfItsOwnSoASeededAnswerDoesNotDependOnTheOtherRequests() {
        let arguments = LocalModelServer.serverArguments(
            runtime: runtime, modelAlias: "smol", port: 8123, threads: 1, slots: 4, contextSize: 4096, purpose: .chat
        )
        #expect(arguments.contains("--no-kv-unified"))
        #expect(!arguments.contains("--kv-unified"))
    }

    @Test func everyPromptIsEvaluatedWholeSoASeededAnswerDoesNotDependOnWhatWasCachedBefore() {
        let arguments = LocalModelServer.serverArguments(
            runtime: runtime, modelAlias: "smol", port: 8123, threads: 1, slots: 4, contextSize: 4096, purpose: .chat
        )
        #expect(arguments.contains("--no-cache-prompt"))
    }

    @Test func anEmbeddingsServerHasOneSlotAndMeanPooling() {
        let arguments = LocalModelServer.serverArguments(
            runtime: runtime, modelAlias: "smol", port: 8123, threads: 1, slots: 4, contextSize: 4096, purpose: .embeddings
        )
        #expect(value(after: "--parallel", in: arguments) == "1")
        #expect(value(after: "--ctx-size", in: arguments) == "4096")
        #expect(arguments.contains("--embedding"))
        #expect(value(after: "--pooling", in: arguments) == "mean")
    }
}
