import Foundation
import PolyphonyCore
import Synchronization

/// The offline semantic embedder: sentence-transformers' `all-MiniLM-L6-v2` run in Swift.
///
/// Reads `model.safetensors` and `tokenizer.json` from a folder (see
/// ``locate(_:environment:)``), tokenizes with BERT WordPiece, runs the 6-layer encoder with
/// bfloat16 or BLAS float32 matrix products (see ``MiniLMPrecision``), mean-pools over the real tokens and L2-normalises. Vectors have 384
/// dimensions and unit length, so a dot product is the cosine similarity.
///
/// Texts longer than ``maxTokens`` (256, the model's training length) are truncated.
/// Batches are sorted by token count and cut into chunks of at most ``tokenBudget`` tokens
/// (near-equal, a multiple of the core count), which the cores take in turn; results come back
/// in the caller's order. The embedder holds no mutable state, so one instance can serve
/// concurrent callers.
///
/// ```swift
/// let embedder = try MiniLMEmbedder.load()          // finds the weights folder
/// let vectors = try await embedder.embed(["solar benches", "shade sails in parks"])
/// ```
public struct MiniLMEmbedder: Embedder {
    /// `minilm`: the name reports print.
    public var name: String { "minilm" }
    /// `minilm-PRECISION-MAXTOKENS`, e.g. `minilm-bfloat16-256`: bfloat16 and float32 vectors
    /// differ in their last digits, and a shorter truncation changes long texts' vectors.
    public var cacheKey: String { "minilm-\(precision.rawValue)-\(maxTokens)" }
    /// Always `true`: similar meanings land close together.
    public var isSemantic: Bool { true }
    /// The folder the weights were loaded from.
    public let directory: String
    /// The longest input, in tokens including `[CLS]` and `[SEP]`; longer texts are truncated.
    public let maxTokens: Int
    /// The most tokens one encoder pass packs together; bounds scratch memory (about 14 KB per token, per core).
    public let tokenBudget: Int
    /// How the dense layers multiply: bfloat16 where the CPU has AVX512_BF16, else float32.
    public var precision: MiniLMPrecision { encoder.precision }
    /// The encoder's dimensions, read from the weights.
    package var configuration: BertConfiguration { encoder.configuration }
    /// The vector length (384).
    public var dimension: Int { encoder.configuration.hiddenSize }

    let tokenizer: BertTokenizer
    let encoder: BertEncoder
    /// Encoder passes run at once: one per core, since BLAS itself runs single-threaded.
    let workers: Int

    /// Loads the model from a folder holding `model.safetensors` and `tokenizer.json`
    /// (and, optionally, `config.json` for the head count and LayerNorm epsilon), and loads the
    /// system BLAS (OpenBLAS) on first use.
    /// - Parameters:
    ///   - directory: The folder; use ``load(_:environment:)`` to find it the usual way.
    ///   - maxTokens: The truncation length; at most the model's 512 positions.
    ///   - tokenBudget: Tokens per encoder pass; larger is faster up to a point and uses more memory.
    ///   - precision: How the dense layers multiply; `nil` reads ``MiniLMPrecision/variable`` from
    ///     `environment`, then picks bfloat16 if this CPU can run it and float32 otherwise.
    ///   - environment: Where ``MiniLMPrecision/variable`` is read.
    /// - Throws: `PolyphonyError.io` if a file cannot be read or no BLAS library is installed;
    ///   `PolyphonyError.invalidInput` naming the file and tensor or field when the files do not
    ///   describe a BERT model, or for a precision this CPU cannot run or an unknown one in the environment.
    public init(
        directory: String, maxTokens: Int = 256, tokenBudget: Int = 2048, precision: MiniLMPrecision? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws {
        let precision = try MiniLMPrecision.resolve(precision, environment: environment)
        let folder = URL(fileURLWithPath: directory)
        let modelPath = folder.appendingPathComponent("model.safetensors").path
        let tokenizerPath = folder.appendingPathComponent("tokenizer.json").path
        let options = try Self.readConfiguration(folder.appendingPathComponent("config.json").path)
        let weights = try BertWeights(
            file: SafetensorsFile(path: modelPath), headCount: options.headCount, layerNormEpsilon: options.epsilon
        )
        let tokenizer = try BertTokenizer(contentsOfTokenizerJSON: tokenizerPath)
        guard tokenizer.vocabularySize <= weights.configuration.vocabularySize else {
            throw PolyphonyError.invalidInput(
                "tokenizer has \(tokenizer.vocabularySize) tokens but \(modelPath) embeds only \(weights.configuration.vocabularySize); the files are from different models",
                file: tokenizerPath
            )
        }
        guard (2...weights.configuration.maxPositions).contains(maxTokens) else {
            throw PolyphonyError.invalidInput("maxTokens \(maxTokens) must be between 2 and the model's \(weights.configuration.maxPositions) positions")
        }
        guard tokenBudget >= maxTokens else {
            throw PolyphonyError.invalidInput("tokenBudget \(tokenBudget) must be at least maxTokens \(maxTokens)")
        }
        self.directory = directory
        self.maxTokens = maxTokens
        self.tokenBudget = tokenBudget
        self.tokenizer = tokenizer
        self.encoder = try BertEncoder(weights: weights, blas: BLASLibrary.shared.get(), precision: precision)
        self.workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 16))
    }

    /// Embeds texts into unit-length vectors, one per text, in order.
    ///
    /// An empty text still gets a vector (that of `[CLS] [SEP]`). Checks for cancellation
    /// between encoder passes and layers.
    /// - Throws: `CancellationError` when the task is cancelled.
    public func embed(_ texts: [String]) async throws -> [[Float]] {
        let sequences = texts.map { tokenizer.encode($0, maxTokens: maxTokens) }
        let lengths = sequences.map(\.count)
        let chunks = Self.chunks(lengths, tokenBudget: Self.balancedBudget(lengths, tokenBudget: tokenBudget, workers: self.workers))
        let encoder = self.encoder
        let workers = min(self.workers, chunks.count)
        // Workers take the next chunk as they finish one, so a core never idles while work is left.
        let counter = ChunkCounter()
        var vectors = [[Float]](repeating: [], count: texts.count)
        try await withThrowingTaskGroup(of: [(Int, [Float])].self) { group in
            for _ in 0..<workers {
                group.addTask {
                    var done: [(Int, [Float])] = []
                    while true {
                        let index = counter.take()
                        guard index < chunks.count else { break }
                        try Task.checkCancellation()
                        let chunk = chunks[index]
                        let embedded = try encoder.embed(chunk.map { sequences[$0] })
                        done.append(contentsOf: zip(chunk, embedded))
                    }
                    return done
                }
            }
            for try await done in group {
                for (index, vector) in done { vectors[index] = vector }
            }
        }
        return vectors
    }

    /// The token ids the model reads for `text`, `[CLS]` and `[SEP]` included.
    public func tokenIDs(_ text: String) -> [Int] {
        tokenizer.encode(text, maxTokens: maxTokens)
    }

    /// Hands out chunk numbers 0, 1, 2, … to the workers of one call.
    private final class ChunkCounter: Sendable {
        private let next = Atomic<Int>(0)

        func take() -> Int { next.add(1, ordering: .relaxed).oldValue }
    }

    /// The chunk budget that splits `lengths` into a multiple of `workers` chunks of near-equal
    /// tokens, at most `tokenBudget` each: 8 × 2,048-token chunks for 15,100 tokens left one core
    /// 8,192 tokens and the other 6,908; 8 × 1,888 leaves both equal.
    static func balancedBudget(_ lengths: [Int], tokenBudget: Int, workers: Int) -> Int {
        let total = lengths.reduce(0, +)
        let longest = lengths.max() ?? 0
        guard total > 0 else { return tokenBudget }
        let minimum = (total + tokenBudget - 1) / tokenBudget
        let count = (minimum + workers - 1) / workers * workers
        return min(tokenBudget, max(longest, (total + count - 1) / count))
    }

    /// Groups sequence indices by length (shortest first) into runs of at most `tokenBudget` tokens.
    static func chunks(_ lengths: [Int], tokenBudget: Int) -> [[Int]] {
        let order = lengths.indices.sorted { (lengths[$0], $0) < (lengths[$1], $1) }
        var chunks: [[Int]] = []
        var current: [Int] = []
        var tokens = 0
        for index in order {
            if !current.isEmpty && tokens + lengths[index] > tokenBudget {
                chunks.append(current)
                current = []
                tokens = 0
            }
            current.append(index)
            tokens += lengths[index]
        }
        if !current.isEmpty { chunks.append(current) }
        return chunks
    }

    /// The two settings the tensors cannot tell, from an optional Hugging Face `config.json`.
    private static func readConfiguration(_ path: String) throws -> (headCount: Int, epsilon: Float) {
        var result = (headCount: 12, epsilon: Float(1e-12))
        guard FileManager.default.fileExists(atPath: path) else { return result }
        guard let data = FileManager.default.contents(atPath: path),
              let object = try? JSONDecoder().decode(JSONValue.self, from: data), case .object = object
        else { throw PolyphonyError.invalidInput("config.json is not a JSON object", file: path) }
        if let heads = object["num_attention_heads"] {
            guard let count = SafetensorsTensorInfo.integer(heads), count > 0 else {
                throw PolyphonyError.invalidInput("num_attention_heads must be a positive integer", file: path)
            }
            result.headCount = count
        }
        if let epsilon = object["layer_norm_eps"] {
            guard let value = epsilon.doubleValue, value > 0 else {
                throw PolyphonyError.invalidInput("layer_norm_eps must be a positive number", file: path)
            }
            result.epsilon = Float(value)
        }
        if let activation = object["hidden_act"]?.stringValue, activation != "gelu" {
            throw PolyphonyError.invalidInput("hidden_act \(activation) is not supported; only gelu (erf) is", file: path)
        }
        return result
    }
}
