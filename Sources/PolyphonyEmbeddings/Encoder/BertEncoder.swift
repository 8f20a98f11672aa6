import CPolyphonyKernels
import PolyphonyCore

/// A BERT encoder that turns token sequences into mean-pooled, unit-length vectors.
///
/// Sequences are packed back to back instead of padded: the dense layers run over every real
/// token of the batch as one matrix, and attention runs per sequence over that sequence's own
/// rows. No padding row is ever computed, so the attention mask of a padded batch becomes the
/// sequence boundaries, and pooling averages exactly the real tokens.
///
/// The four dense products of each layer run on BLAS in float32, or in bfloat16 on our own
/// kernel (see ``MiniLMPrecision``) with the weights converted once here. Attention runs in
/// float32 either way: one fused AVX-512 kernel call per sequence where the CPU has AVX-512F
/// (short ideas made it a swarm of tiny BLAS calls), else two BLAS products per head.
///
/// Stateless between calls, so one encoder may serve many tasks at once.
struct BertEncoder: Sendable {
    /// A layer's weights in bfloat16 panels.
    struct PackedLayer: Sendable {
        let queryKeyValue: BFloat16Matrix
        let attentionOutput: BFloat16Matrix
        let intermediate: BFloat16Matrix
        let output: BFloat16Matrix
    }

    let weights: BertWeights
    let blas: BLASLibrary
    let precision: MiniLMPrecision
    /// One per layer when `precision` is bfloat16, else empty.
    let packed: [PackedLayer]
    /// Whether attention runs on the fused AVX-512 kernel rather than per-head BLAS products.
    let vectorAttention: Bool

    /// Whether this CPU can run the fused attention kernel (it needs AVX-512F).
    static var vectorAttentionSupported: Bool { polyphony_avx512_supported() != 0 }

    var configuration: BertConfiguration { weights.configuration }

    /// Converts the weights for `precision` once.
    /// - Parameter vectorAttention: Use the fused attention kernel; only pass `true` where
    ///   ``vectorAttentionSupported`` is. Tests turn it off to compare the two paths.
    init(weights: BertWeights, blas: BLASLibrary, precision: MiniLMPrecision, vectorAttention: Bool = Self.vectorAttentionSupported) {
        self.weights = weights
        self.blas = blas
        self.precision = precision
        self.vectorAttention = vectorAttention
        let config = weights.configuration
        let hidden = config.hiddenSize
        packed = precision == .float32 ? [] : weights.layers.map { layer in
            PackedLayer(
                queryKeyValue: BFloat16Matrix(layer.queryKeyValue, outputs: 3 * hidden, inputs: hidden),
                attentionOutput: BFloat16Matrix(layer.attentionOutput, outputs: hidden, inputs: hidden),
                intermediate: BFloat16Matrix(layer.intermediate, outputs: config.intermediateSize, inputs: hidden),
                output: BFloat16Matrix(layer.output, outputs: hidden, inputs: config.intermediateSize)
            )
        }
    }

    /// Embeds a batch of token-id sequences.
    /// - Parameter sequences: Each a non-empty list of ids, at most `maxPositions` long.
    /// - Returns: One unit-length vector of `hiddenSize` floats per sequence, in order.
    /// - Throws: `PolyphonyError.invalidInput` for an empty or too long sequence or an id the
    ///   vocabulary does not have.
    func embed(_ sequences: [[Int]]) throws -> [[Float]] {
        let config = configuration
        for (index, ids) in sequences.enumerated() {
            guard !ids.isEmpty, ids.count <= config.maxPositions else {
                throw PolyphonyError.invalidInput("sequence \(index) has \(ids.count) tokens; the encoder reads 1 to \(config.maxPositions)")
            }
            if let bad = ids.first(where: { $0 < 0 || $0 >= config.vocabularySize }) {
                throw PolyphonyError.invalidInput("sequence \(index) has token id \(bad) outside the vocabulary of \(config.vocabularySize)")
            }
        }
        guard !sequences.isEmpty else { return [] }

        let hidden = config.hiddenSize
        let rows = sequences.reduce(0) { $0 + $1.count }
        let longest = sequences.map(\.count).max() ?? 0
        let workspace = Workspace(
            rows: rows, hidden: hidden, intermediate: config.intermediateSize,
            scores: vectorAttention ? polyphony_attention_scratch_count(Int32(longest), Int32(config.headCount), Int32(config.headSize)) : longest * longest,
            rounding: !packed.isEmpty
        )
        defer { workspace.deallocate() }

        var offsets: [Int] = []
        offsets.reserveCapacity(sequences.count)
        var state = workspace.hiddenA
        var spare = workspace.hiddenB
        var row = 0
        for ids in sequences {
            offsets.append(row)
            for (position, id) in ids.enumerated() {
                let out = state + (row + position) * hidden
                let word = weights.wordEmbeddings.base + id * hidden
                let place = weights.positionEmbeddings.base + position * hidden
                let type = weights.tokenTypeEmbeddings.base
                for column in 0..<hidden { out[column] = word[column] + place[column] + type[column] }
            }
            row += ids.count
        }
        DenseKernels.addLayerNorm(
            state, adding: nil, rows: rows, columns: hidden,
            gamma: weights.embeddingNormScale.base, beta: weights.embeddingNormShift.base, epsilon: config.layerNormEpsilon
        )

        for (index, layer) in weights.layers.enumerated() {
            try Task.checkCancellation()
            let packed = packed.isEmpty ? nil : packed[index]
            attention(layer, packed, state: state, into: spare, rows: rows, offsets: offsets, sequences: sequences, workspace: workspace)
            swap(&state, &spare)
            feedForward(layer, packed, state: state, into: spare, rows: rows, workspace: workspace)
            swap(&state, &spare)
        }

        return zip(offsets, sequences).map { offset, ids in
            DenseKernels.meanPoolNormalized(state + offset * hidden, rows: ids.count, columns: hidden)
        }
    }

    /// Self-attention plus the residual LayerNorm: writes `LN(state + Attention(state))` into `output`.
    private func attention(
        _ layer: BertWeights.Layer, _ packed: PackedLayer?, state: UnsafeMutablePointer<Float>, into output: UnsafeMutablePointer<Float>,
        rows: Int, offsets: [Int], sequences: [[Int]], workspace: Workspace
    ) {
        let config = configuration
        let hidden = config.hiddenSize
        let width = 3 * hidden
        let headSize = config.headSize
        let qkv = workspace.queryKeyValue
        linear(
            state, rows: rows, inputs: hidden, weight: layer.queryKeyValue, packed?.queryKeyValue, bias: layer.queryKeyValueBias,
            outputs: width, into: qkv, workspace: workspace
        )
        let context = workspace.context
        let scale = 1 / Float(headSize).squareRoot()
        for (offset, ids) in zip(offsets, sequences) {
            let length = ids.count
            if vectorAttention {
                polyphony_attention(
                    qkv + offset * width, Int32(length), Int32(config.headCount), Int32(headSize), Int32(width), scale,
                    workspace.scores, context + offset * hidden, Int32(hidden)
                )
                continue
            }
            for head in 0..<config.headCount {
                let query = qkv + offset * width + head * headSize
                DenseKernels.product(
                    blas, m: length, n: length, k: headSize, alpha: scale, query, lda: width,
                    query + hidden, ldb: width, transposeB: true, into: workspace.scores, ldc: length
                )
                DenseKernels.softmaxRows(workspace.scores, rows: length, columns: length)
                DenseKernels.product(
                    blas, m: length, n: headSize, k: length, alpha: 1, workspace.scores, lda: length,
                    query + 2 * hidden, ldb: width, transposeB: false, into: context + offset * hidden + head * headSize, ldc: hidden
                )
            }
        }
        linear(
            context, rows: rows, inputs: hidden, weight: layer.attentionOutput, packed?.attentionOutput, bias: layer.attentionOutputBias,
            outputs: hidden, into: output, workspace: workspace
        )
        DenseKernels.addLayerNorm(
            output, adding: state, rows: rows, columns: hidden,
            gamma: layer.attentionNormScale.base, beta: layer.attentionNormShift.base, epsilon: config.layerNormEpsilon
        )
    }

    /// The GELU feed-forward block plus the residual LayerNorm, into `output`.
    private func feedForward(
        _ layer: BertWeights.Layer, _ packed: PackedLayer?, state: UnsafeMutablePointer<Float>, into output: UnsafeMutablePointer<Float>,
        rows: Int, workspace: Workspace
    ) {
        let config = configuration
        let hidden = config.hiddenSize
        if let packed {
            // The wide GELU middle goes straight from one product to the next in bfloat16.
            BFloat16Matrix.round(state, rows: rows, columns: hidden, into: workspace.rounded)
            packed.intermediate.linearGELU(rounded: workspace.rounded, rows: rows, bias: layer.intermediateBias.base, into: workspace.roundedInner)
            packed.output.linear(rounded: workspace.roundedInner, rows: rows, bias: layer.outputBias.base, into: output)
        } else {
            let inner = workspace.intermediate
            linear(
                state, rows: rows, inputs: hidden, weight: layer.intermediate, nil, bias: layer.intermediateBias,
                outputs: config.intermediateSize, into: inner, workspace: workspace
            )
            DenseKernels.gelu(inner, count: rows * config.intermediateSize)
            linear(
                inner, rows: rows, inputs: config.intermediateSize, weight: layer.output, nil, bias: layer.outputBias,
                outputs: hidden, into: output, workspace: workspace
            )
        }
        DenseKernels.addLayerNorm(
            output, adding: state, rows: rows, columns: hidden,
            gamma: layer.outputNormScale.base, beta: layer.outputNormShift.base, epsilon: config.layerNormEpsilon
        )
    }

    /// `output = input · weightᵀ + bias`: on the bfloat16 kernel when the layer was packed, else on BLAS.
    private func linear(
        _ input: UnsafePointer<Float>, rows: Int, inputs: Int, weight: Float32Tensor, _ packed: BFloat16Matrix?,
        bias: Float32Tensor, outputs: Int, into output: UnsafeMutablePointer<Float>, workspace: Workspace
    ) {
        if let packed {
            packed.linear(input, rows: rows, bias: bias.base, into: output, scratch: workspace.rounded)
        } else {
            DenseKernels.linear(blas, input, rows: rows, inputs: inputs, weight: weight.base, bias: bias.base, outputs: outputs, into: output)
        }
    }

    /// Scratch matrices for one batch, carved from a single allocation.
    struct Workspace {
        let block: UnsafeMutablePointer<Float>
        let hiddenA: UnsafeMutablePointer<Float>
        let hiddenB: UnsafeMutablePointer<Float>
        let queryKeyValue: UnsafeMutablePointer<Float>
        let context: UnsafeMutablePointer<Float>
        let intermediate: UnsafeMutablePointer<Float>
        let scores: UnsafeMutablePointer<Float>
        /// A layer input rounded to bfloat16 for the packed products, rows of even length.
        let rounded: UnsafeMutablePointer<UInt16>
        /// The feed-forward middle after GELU, in bfloat16.
        let roundedInner: UnsafeMutablePointer<UInt16>

        /// - Parameter scores: Floats of attention scratch: one sequence's scores, or the fused kernel's.
        init(rows: Int, hidden: Int, intermediate: Int, scores scoreCount: Int, rounding: Bool) {
            let sizes = [rows * hidden, rows * hidden, rows * 3 * hidden, rows * hidden, rows * intermediate, scoreCount]
            block = .allocate(capacity: sizes.reduce(0, +))
            // Not zeroed: every part is written in full before it is read, and zeroing tens of
            // megabytes per pass showed up in profiles.
            var cursor = block
            var parts: [UnsafeMutablePointer<Float>] = []
            for size in sizes {
                parts.append(cursor)
                cursor += size
            }
            (hiddenA, hiddenB, queryKeyValue, context, self.intermediate, scores) = (parts[0], parts[1], parts[2], parts[3], parts[4], parts[5])
            let roundedSizes = rounding ? [rows * ((hidden + 1) & ~1), rows * ((intermediate + 1) & ~1)] : [1, 1]
            rounded = .allocate(capacity: roundedSizes[0] + roundedSizes[1])
            roundedInner = rounded + roundedSizes[0]
        }

        func deallocate() {
            block.deallocate()
            rounded.deallocate()
        }
    }
}
