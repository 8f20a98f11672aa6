import Foundation
import PolyphonyCore

/// Embeds a pool of ideas and computes every diversity metric, overall and broken down by
/// group, round, participant and kind, into a ``ScoreReport``.
public struct DiversityAnalyzer: Sendable {
    /// The near-duplicate threshold in use (0.8 unless calibrated or set).
    public var threshold: Float
    /// Where the threshold came from, for the report: `default`, `flag` or `file:PATH`.
    public var thresholdSource: String
    /// Seeds the author shuffles of the homogeneity floor.
    public var seed: UInt64
    /// How many author shuffles the random-pair floor averages.
    public var floorPermutations: Int
    /// When set, borderline pairs at the threshold in use are settled by an LLM.
    public var settler: BorderlineSettler?
    /// Texts sent to the embedder per call.
    public var batchSize: Int
    /// The learned originality model, applied when the embedder is the one it was fitted on.
    public var originalityModel: OriginalityModel? = .shipped
    /// Ideas to measure novelty against (`--reference`), matched to ideas by prompt.
    public var reference: IdeaPool?
    /// The reference pool's files, for the report's settings.
    public var referencePaths: [String] = []
    /// How reference novelty is computed (k, the matrix product); its threshold follows ``threshold``.
    public var referenceNovelty = ReferenceNovelty()
    /// Near-duplicate pairs kept per idea (on average, counting 32,768 ideas at least)
    /// before clustering falls back to searching each subset: 8 bytes a pair, so memory stays
    /// linear in the number of ideas. 0 always searches (tests compare both ways).
    var neighbourPairsPerIdea = 32
    /// Bytes the cells' d×d matrices may take (about 100 cells of 384 dimensions); 0 computes
    /// every Vendi score from its rows.
    var cellMomentsBudget = 128 << 20

    public init(
        threshold: Float = NearDuplicateClustering.literatureThreshold, thresholdSource: String = "default",
        seed: UInt64 = 1, floorPermutations: Int = 20, settler: BorderlineSettler? = nil, batchSize: Int = 512
    ) {
        self.threshold = threshold
        self.thresholdSource = thresholdSource
        self.seed = seed
        self.floorPermutations = max(0, floorPermutations)
        self.settler = settler
        self.batchSize = max(1, batchSize)
    }

    /// Embeds the ideas and their prompts with `embedder`, then measures them.
    /// - Throws: ``PolyphonyError`` when the pool is empty, the threshold is out of range, or
    ///   the embedder fails or returns malformed vectors.
    public func analyze(_ pool: IdeaPool, embedder: any Embedder) async throws -> ScoreReport {
        guard !pool.ideas.isEmpty else {
            throw PolyphonyError.invalidInput("no ideas to score: the inputs hold no idea events or rows")
        }
        let matrix = try await EmbeddingMatrix.embedding(pool.ideas.map(\.text), with: embedder, batchSize: batchSize)
        let prompts = Array(Set(pool.ideas.compactMap(\.prompt))).sorted()
        var promptVectors: [String: [Float]] = [:]
        if !prompts.isEmpty {
            let embedded = try EmbeddingMatrix(try await embedder.embed(prompts)).normalized()
            guard embedded.rows == prompts.count, embedded.dimension == matrix.dimension else {
                throw PolyphonyError.invalidInput("embedder \(embedder.name) returned prompt vectors of another shape")
            }
            for (index, prompt) in prompts.enumerated() { promptVectors[prompt] = embedded.row(index) }
        }
        var referenceMatrix: EmbeddingMatrix?
        if let reference, !reference.ideas.isEmpty {
            referenceMatrix = try await EmbeddingMatrix.embedding(reference.ideas.map(\.text), with: embedder, batchSize: batchSize)
        }
        var report = try await analyze(
            pool, embeddings: matrix, promptVectors: promptVectors, embedderName: embedder.name,
            embedderIsSemantic: embedder.isSemantic, referenceEmbeddings: referenceMatrix)
        if embedder.cacheKey != embedder.name { report.settings.embedderVariant = embedder.cacheKey }
        return report
    }

    /// Each idea's novelty against the reference-pool ideas with the same prompt.
    func referenceResults(_ ideas: [InputIdea], _ matrix: EmbeddingMatrix, pool: IdeaPool, poolMatrix: EmbeddingMatrix) async throws -> [ReferenceNovelty.Result?] {
        guard poolMatrix.rows == pool.ideas.count, poolMatrix.dimension == matrix.dimension else {
            throw PolyphonyError.invalidInput("\(poolMatrix.rows) reference embeddings of dimension \(poolMatrix.dimension) for \(pool.ideas.count) reference ideas of dimension \(matrix.dimension)")
        }
        var novelty = referenceNovelty
        novelty.threshold = threshold
        // Prompts match after trimming, so a YAML block's final newline does not split a topic.
        func key(_ prompt: String?) -> String? { prompt?.trimmingCharacters(in: .whitespacesAndNewlines) }
        var poolRows: [String?: [Int]] = [:]
        for (row, idea) in pool.ideas.enumerated() { poolRows[key(idea.prompt), default: []].append(row) }
        var results = [ReferenceNovelty.Result?](repeating: nil, count: ideas.count)
        for (prompt, rows) in ordered(Array(ideas.indices), by: { key(ideas[$0].prompt) }) {
            guard let targets = poolRows[prompt] else { continue }
            let scored = await novelty.score(
                rows.count == matrix.rows ? matrix : matrix.subset(rows),
                against: targets.count == poolMatrix.rows ? poolMatrix : poolMatrix.subset(targets))
            for (offset, row) in rows.enumerated() { results[row] = scored[offset] }
        }
        return results
    }

    /// Measures ideas whose unit-normalised embeddings are already known.
    /// - Parameter promptVectors: Unit vectors of the prompts, by prompt text.
    public func analyze(
        _ pool: IdeaPool, embeddings matrix: EmbeddingMatrix, promptVectors: [String: [Float]],
        embedderName: String, embedderIsSemantic: Bool, referenceEmbeddings: EmbeddingMatrix? = nil
    ) async throws -> ScoreReport {
        let ideas = pool.ideas
        guard !ideas.isEmpty, matrix.rows == ideas.count else {
            throw PolyphonyError.invalidInput("\(matrix.rows) embeddings for \(ideas.count) ideas")
        }
        guard threshold > -1, threshold <= 1 else {
            throw PolyphonyError.invalidInput("the near-duplicate threshold must lie in (-1, 1], got \(threshold)")
        }
        var context = Context(
            ideas: ideas, matrix: matrix,
            index: await NearDuplicateClustering.Index(matrix, threshold: min(threshold, NearDuplicateClustering.literatureThreshold)),
            wordIDs: DistinctN.WordIDs(ideas.map { LexicalEmbedder.words($0.text) }).texts,
            promptDistances: ideas.enumerated().map { index, idea in
                guard let prompt = idea.prompt, let vector = promptVectors[prompt], vector.count == matrix.dimension else { return nil }
                var dot: Float = 0
                for (k, value) in vector.enumerated() { dot += value * matrix.values[index * matrix.dimension + k] }
                return Double(1 - dot)
            })
        let model = originalityModel.flatMap { $0.embedder == embedderName && $0.dimension == matrix.dimension ? $0 : nil }
        if let model {
            context.originality = ideas.enumerated().map { index, idea in
                guard let prompt = idea.prompt, let vector = promptVectors[prompt] else { return nil }
                return model.predict(embedding: matrix.row(index), prompt: vector, text: idea.text)
            }
        }
        if let reference, let referenceEmbeddings {
            context.reference = try await referenceResults(ideas, matrix, pool: reference, poolMatrix: referenceEmbeddings)
        }

        // Every pair at or above the lowest threshold clustered without the settler, listed
        // once: each breakdown's clustering then follows from the pairs inside it.
        // (The settler clusters at the threshold in use itself; only 0.8 comes from the pairs.)
        let pairThreshold = settler == nil
            ? min(threshold, NearDuplicateClustering.literatureThreshold) : NearDuplicateClustering.literatureThreshold
        context.neighbours = neighbourPairsPerIdea <= 0 ? nil : await NearDuplicateClustering.Neighbours.find(
            in: context.index, threshold: pairThreshold, limit: neighbourPairsPerIdea * (ideas.count + (1 << 15)))

        let all = Array(ideas.indices)
        context.cells = await CellMoments(
            matrix, cells: ordered(all) { CellKey(group: ideas[$0].group, round: ideas[$0].round, kind: ideas[$0].kind) }.map(\.members),
            budget: cellMomentsBudget)
        let global = try await clusters(all, context, threshold: threshold, settled: true)
        let literature = settler == nil && threshold == NearDuplicateClustering.literatureThreshold
            ? global
            : try await clusters(all, context, threshold: NearDuplicateClustering.literatureThreshold, settled: false)
        let overall = try await summary("all", all, context, precomputed: (global, literature))

        let breakdowns = try await breakdowns(context, global: global, overall: overall)
        let homogeneity = homogeneity(context)
        let contributions = await contributions(context, global: global)

        let sizes = global.sizes
        var members = [[Int]](repeating: [], count: global.clusterCount)
        for (row, cluster) in global.assignments.enumerated() { members[cluster].append(row) }
        let clusterEntries = members.enumerated().map { cluster, rows in
            ClusterEntry(
                id: cluster, size: rows.count, representative: global.representatives[cluster], members: rows,
                participants: ordered(rows) { ideas[$0].participantKey }.map(\.key),
                groups: ordered(rows) { ideas[$0].group }.map(\.key))
        }
        let map = PrincipalComponents.project(matrix, secondMoment: context.cells?.covariance(of: all))
        let scored = ideas.enumerated().map { row, idea in
            ScoredIdea(
                index: row, id: idea.id, source: idea.source, group: idea.group, author: idea.author, kind: idea.kind,
                round: idea.round, text: idea.text, prompt: idea.prompt, cluster: global.assignments[row], rarity: sizes[global.assignments[row]],
                similarityToRepresentative: Double(shortestDecimal: global.similarityToRepresentative[row]),
                clusterAtLiteratureThreshold: literature.assignments[row], promptDistance: context.promptDistances[row],
                originality: context.originality.isEmpty ? nil : context.originality[row],
                referenceNovelty: context.reference.isEmpty ? nil : context.reference[row]?.novelty,
                inReference: context.reference.isEmpty ? nil : context.reference[row]?.inReference,
                mapX: map[row].x, mapY: map[row].y)
        }
        let settlement = await settler?.settlement()
        var settings = ScoreSettings(
            embedder: embedderName, embedderIsSemantic: embedderIsSemantic, threshold: Double(shortestDecimal: threshold),
            thresholdSource: thresholdSource, seed: seed, floorPermutations: floorPermutations,
            settlingBand: settler.map { [Double(shortestDecimal: $0.lower), Double(shortestDecimal: $0.upper)] }, settlingBackend: settler?.judge.name)
        settings.originalityModel = model?.name
        if let reference, referenceEmbeddings != nil {
            settings.reference = referencePaths.isEmpty ? reference.sources.map(\.path) : referencePaths
            settings.referenceIdeas = reference.ideas.count
            settings.referenceK = referenceNovelty.k
        }
        return ScoreReport(
            settings: settings, sources: pool.sources, overall: overall, byGroup: breakdowns.byGroup, byRound: breakdowns.byRound,
            byParticipant: breakdowns.byParticipant, byKind: breakdowns.byKind, trajectory: breakdowns.trajectory, homogeneity: homogeneity,
            contributions: contributions, clusters: clusterEntries, ideas: scored, settlement: settlement)
    }

    /// The finest breakdown: every group, round and kind is a union of these cells.
    private struct CellKey: Hashable {
        var group: String
        var round: Int?
        var kind: InputIdea.Kind
    }

    /// The pool's data the metric helpers share.
    struct Context {
        var ideas: [InputIdea]
        var matrix: EmbeddingMatrix
        /// The matrix prepared once for every clustering and nearest-idea search.
        var index: NearDuplicateClustering.Index
        /// Each idea's words as dense ids, for distinct-n.
        var wordIDs: [[Int32]]
        var promptDistances: [Double?]
        /// Learned originality per idea, when the model applies.
        var originality: [Double?] = []
        /// Novelty against the reference pool per idea, when a pool was given.
        var reference: [ReferenceNovelty.Result?] = []
        /// Every near-duplicate pair of the pool, unless there were too many to keep.
        var neighbours: NearDuplicateClustering.Neighbours?
        /// EᵀE of each group × round × kind cell, for the Vendi scores of their unions.
        var cells: CellMoments?
    }



    func clusters(_ rows: [Int], _ context: Context, threshold: Float, settled: Bool) async throws -> NearDuplicateClustering.Result {
        if settled, let settler {
            let sub = rows.count == context.matrix.rows ? context.matrix : context.matrix.subset(rows)
            return await settler.cluster(sub, texts: rows.map { context.ideas[$0].text })
        }
        let clustering = NearDuplicateClustering(threshold: threshold)
        if let neighbours = context.neighbours, threshold >= neighbours.threshold, zip(rows, rows.dropFirst()).allSatisfy({ $0 < $1 }) {
            return clustering.cluster(rows, neighbours: neighbours)
        }
        return await clustering.cluster(rows, in: context.index)
    }

    /// The Vendi score of `rows`: from the cells' d×d sums when the rows are a union of cells
    /// and outnumber the dimensions (where the d×d matrix is the one used), else from the rows.
    func vendi(_ rows: [Int], _ context: Context) async throws -> Double? {
        if rows.count > context.matrix.dimension, let covariance = context.cells?.covariance(of: rows) {
            return try VendiScore.compute(covariance: covariance, dimension: context.matrix.dimension)
        }
        return try await VendiScore.compute(rows.count == context.matrix.rows ? context.matrix : context.matrix.subset(rows))
    }

    func summary(
        _ key: String, _ rows: [Int], _ context: Context,
        precomputed: (NearDuplicateClustering.Result, NearDuplicateClustering.Result)? = nil
    ) async throws -> DiversitySummary {
        let inUse: NearDuplicateClustering.Result
        let literature: NearDuplicateClustering.Result
        if let precomputed {
            (inUse, literature) = precomputed
        } else {
            inUse = try await clusters(rows, context, threshold: threshold, settled: true)
            literature = settler == nil && threshold == NearDuplicateClustering.literatureThreshold
                ? inUse
                : try await clusters(rows, context, threshold: NearDuplicateClustering.literatureThreshold, settled: false)
        }
        let words = rows.map { context.wordIDs[$0] }
        let distances = rows.compactMap { context.promptDistances[$0] }
        let originality = context.originality.isEmpty ? [] : rows.compactMap { context.originality[$0] }
        let reference = context.reference.isEmpty ? [] : rows.compactMap { context.reference[$0] }
        return DiversitySummary(
            key: key, ideas: rows.count, participants: Set(rows.map { context.ideas[$0].participantKey }).count,
            meanPairwiseDistance: PairwiseSimilarity.meanSimilarity(context.matrix, rows: rows).map { 1 - $0 },
            vendi: try await vendi(rows, context),
            unique: inUse.clusterCount, yield: inUse.yield,
            uniqueAtLiteratureThreshold: literature.clusterCount, yieldAtLiteratureThreshold: literature.yield,
            distinct1: DistinctN.compute(wordIDs: words, n: 1),
            distinct2: DistinctN.compute(wordIDs: words, n: 2),
            distinct3: DistinctN.compute(wordIDs: words, n: 3),
            meanPromptDistance: distances.isEmpty ? nil : distances.reduce(0, +) / Double(distances.count),
            meanOriginality: originality.isEmpty ? nil : originality.reduce(0, +) / Double(originality.count),
            meanReferenceNovelty: reference.isEmpty ? nil : reference.reduce(0) { $0 + $1.novelty } / Double(reference.count),
            hivemindShare: reference.isEmpty ? nil : Double(reference.filter(\.inReference).count) / Double(reference.count))
    }
}
