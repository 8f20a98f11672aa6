import PolyphonyCore

/// A BERT encoder that turns token sequences into mean-pooled, unit-length vectors.
///
/// Sequences are packed back to back instead of padded: the dense layers run over every real
/// token of the batch as one matrix, and attention runs per sequence over that sequence's own
/// rows. No padding row is ever computed, so the attention mask of a padded batch becomes the
/// sequence boundaries, and pooling averages exactly the real tokens.
///
/// Stateless between calls, so one encoder may serve many tasks at once.
struct BertEncoder: Sendable {
    let weights: BertWeights
    let blas: BLASLibrary

    var configuration: BertConfiguration { weights.configuration }

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
        let workspace = Workspace(rows: rows, hidden: hidden, intermediate: config.intermediateSize, longest: longest)
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

        for layer in weights.layers {
            try Task.checkCancellation()
            attention(layer, state: state, into: spare, rows: rows, offsets: offsets, sequences: sequences, workspace: workspace)
            swap(&state, &spare)
            feedForward(layer, state: state, into: spare, rows: rows, workspace: workspace)
            swap(&state, &spare)
        }

        return zip(offsets, sequences).map { offset, ids in
            DenseKernels.meanPoolNormalized(state + offset * hidden, rows: ids.count, columns: hidden)
        }
    }

    /// Self-attention plus the residual LayerNorm: writes `LN(state + Attention(state))` into `output`.
    private func attention(
        _ layer: BertWeights.Layer, state: UnsafeMutablePointer<Float>, into output: UnsafeMutablePointer<Float>,
        rows: Int, offsets: [Int], sequences: [[Int]], workspace: Workspace
    ) {
        let config = configuration
        let hidden = config.hiddenSize
        let width = 3 * hidden
        let headSize = config.headSize
        let qkv = workspace.queryKeyValue
        DenseKernels.linear(
            blas, state, rows: rows, inputs: hidden, weight: layer.queryKeyValue.base, bias: layer.queryKeyValueBias.base,
            outputs: width, into: qkv
        )
        let context = workspace.context
        let scale = 1 / Float(headSize).squareRoot()
        for (offset, ids) in zip(offsets, sequences) {
            let length = ids.count
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
        DenseKernels.linear(
            blas, context, rows: rows, inputs: hidden, weight: layer.attentionOutput.base, bias: layer.attentionOutputBias.base,
            outputs: hidden, into: output
        )
        DenseKernels.addLayerNorm(
            output, adding: state, rows: rows, columns: hidden,
            gamma: layer.attentionNormScale.base, beta: layer.attentionNormShift.base, epsilon: config.layerNormEpsilon
        )
    }

    /// The GELU feed-forward block plus the residual LayerNorm, into `output`.
    private func feedForward(
        _ layer: BertWeights.Layer, state: UnsafeMutablePointer<Float>, into output: UnsafeMutablePointer<Float>,
        rows: Int, workspace: Workspace
    ) {
        let config = configuration
        let hidden = config.hiddenSize
        let inner = workspace.intermediate
        DenseKernels.linear(
            blas, state, rows: rows, inputs: hidden, weight: layer.intermediate.base, bias: layer.intermediateBias.base,
            outputs: config.intermediateSize, into: inner
        )
        DenseKernels.gelu(inner, count: rows * config.intermediateSize)
        DenseKernels.linear(
            blas, inner, rows: rows, inputs: config.intermediateSize, weight: layer.output.base, bias: layer.outputBias.base,
            outputs: hidden, into: output
        )
        DenseKernels.addLayerNorm(
            output, adding: state, rows: rows, columns: hidden,
            gamma: layer.outputNormScale.base, beta: layer.outputNormShift.base, epsilon: config.layerNormEpsilon
        )
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

        init(rows: Int, hidden: Int, intermediate: Int, longest: Int) {
            let sizes = [rows * hidden, rows * hidden, rows * 3 * hidden, rows * hidden, rows * intermediate, longest * longest]
            block = .allocate(capacity: sizes.reduce(0, +))
            block.initialize(repeating: 0, count: sizes.reduce(0, +))
            var cursor = block
            var parts: [UnsafeMutablePointer<Float>] = []
            for size in sizes {
                parts.append(cursor)
                cursor += size
            }
            (hiddenA, hiddenB, queryKeyValue, context, self.intermediate, scores) = (parts[0], parts[1], parts[2], parts[3], parts[4], parts[5])
        }

        func deallocate() { block.deallocate() }
    }
}
