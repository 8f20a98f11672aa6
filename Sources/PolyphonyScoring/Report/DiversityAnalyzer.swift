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
        let matrix = try await Self.embedInBatches(pool.ideas.map(\.text), embedder: embedder, batchSize: batchSize)
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
            referenceMatrix = try await Self.embedInBatches(reference.ideas.map(\.text), embedder: embedder, batchSize: batchSize)
        }
        return try await analyze(
            pool, embeddings: matrix, promptVectors: promptVectors, embedderName: embedder.name,
            embedderIsSemantic: embedder.isSemantic, referenceEmbeddings: referenceMatrix)
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
            ideas: ideas, matrix: matrix, wordIDs: DistinctN.WordIDs(ideas.map { LexicalEmbedder.words($0.text) }).texts,
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

        let all = Array(ideas.indices)
        let global = try await clusters(all, context, threshold: threshold, settled: true)
        let literature = settler == nil && threshold == NearDuplicateClustering.literatureThreshold
            ? global
            : try await clusters(all, context, threshold: NearDuplicateClustering.literatureThreshold, settled: false)
        let overall = try await summary("all", all, context, precomputed: (global, literature))

        // Every subset any breakdown needs; a subset that two breakdowns share (one group, one
        // round, only agents…) is measured once.
        let groupParts = ordered(all) { ideas[$0].group }.map { (key: $0.key, members: $0.members) }
        let roundParts = byRoundNumber(ordered(all) { ideas[$0].round }).map { (key: $0.key.map(String.init) ?? "none", members: $0.members) }
        let participantParts = ordered(all) { ideas[$0].participantKey }.map { (key: $0.key, members: $0.members) }
        let kindParts = ordered(all) { ideas[$0].kind.rawValue }.map { (key: $0.key, members: $0.members) }
        let trajectoryParts = groupParts.flatMap { group in
            byRoundNumber(ordered(group.members) { ideas[$0].round }).map { (group: group.key, round: $0.key, members: $0.members) }
        }
        let measured = try await summaries(
            of: groupParts.map(\.members) + roundParts.map(\.members) + participantParts.map(\.members)
                + kindParts.map(\.members) + trajectoryParts.map(\.members),
            context, overall: overall)
        func lookup(_ key: String, _ members: [Int]) -> DiversitySummary {
            var summary = measured[members] ?? overall
            summary.key = key
            return summary
        }
        let byGroup = groupParts.map { lookup($0.key, $0.members) }
        let byRound = roundParts.map { lookup($0.key, $0.members) }
        let byParticipant = participantParts.map { lookup($0.key, $0.members) }
        let byKind = kindParts.map { lookup($0.key, $0.members) }
        var trajectory: [TrajectoryPoint] = []
        var reached: [String: Set<Int>] = [:]
        for part in trajectoryParts {
            let clustersHere = Set(part.members.map { global.assignments[$0] })
            let fresh = clustersHere.subtracting(reached[part.group, default: []])
            reached[part.group, default: []].formUnion(clustersHere)
            trajectory.append(TrajectoryPoint(
                group: part.group, round: part.round,
                summary: lookup(part.round.map { "\(part.group) round \($0)" } ?? "\(part.group) no round", part.members),
                newClusters: fresh.count, cumulativeClusters: reached[part.group, default: []].count))
        }
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
        let map = PrincipalComponents.project(matrix)
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
            settings: settings, sources: pool.sources, overall: overall, byGroup: byGroup, byRound: byRound,
            byParticipant: byParticipant, byKind: byKind, trajectory: trajectory, homogeneity: homogeneity,
            contributions: contributions, clusters: clusterEntries, ideas: scored, settlement: settlement)
    }

    /// The pool's data the metric helpers share.
    struct Context {
        var ideas: [InputIdea]
        var matrix: EmbeddingMatrix
        /// Each idea's words as dense ids, for distinct-n.
        var wordIDs: [[Int32]]
        var promptDistances: [Double?]
        /// Learned originality per idea, when the model applies.
        var originality: [Double?] = []
        /// Novelty against the reference pool per idea, when a pool was given.
        var reference: [ReferenceNovelty.Result?] = []
    }

    private func clusters(_ rows: [Int], _ context: Context, threshold: Float, settled: Bool) async throws -> NearDuplicateClustering.Result {
        let sub = rows.count == context.matrix.rows ? context.matrix : context.matrix.subset(rows)
        if settled, let settler {
            return await settler.cluster(sub, texts: rows.map { context.ideas[$0].text })
        }
        return await NearDuplicateClustering(threshold: threshold).cluster(sub)
    }

    /// One summary per distinct subset, computed concurrently (each subset's metrics are
    /// independent); the whole pool reuses `overall`.
    private func summaries(of subsets: [[Int]], _ context: Context, overall: DiversitySummary) async throws -> [[Int]: DiversitySummary] {
        var unique: [[Int]] = []
        var seen: Set<[Int]> = [Array(context.ideas.indices)]
        for subset in subsets where seen.insert(subset).inserted { unique.append(subset) }
        // A window of one subset per core keeps memory bounded by a few subsets, not all of them.
        let window = max(1, ProcessInfo.processInfo.activeProcessorCount)
        return try await withThrowingTaskGroup(of: ([Int], DiversitySummary).self) { group in
            var next = 0
            func launch() {
                guard next < unique.count else { return }
                let members = unique[next]
                next += 1
                group.addTask { (members, try await summary("", members, context)) }
            }
            for _ in 0..<window { launch() }
            var result: [[Int]: DiversitySummary] = [Array(context.ideas.indices): overall]
            while let (members, summary) = try await group.next() {
                result[members] = summary
                launch()
            }
            return result
        }
    }

    private func summary(
        _ key: String, _ rows: [Int], _ context: Context,
        precomputed: (NearDuplicateClustering.Result, NearDuplicateClustering.Result)? = nil
    ) async throws -> DiversitySummary {
        let sub = rows.count == context.matrix.rows ? context.matrix : context.matrix.subset(rows)
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
            meanPairwiseDistance: PairwiseSimilarity.meanDistance(sub),
            vendi: try await VendiScore.compute(sub),
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

    private func homogeneity(_ context: Context) -> Homogeneity {
        let participants = ordered(Array(context.ideas.indices)) { context.ideas[$0].participantKey }
        var labels = [Int](repeating: 0, count: context.ideas.count)
        for (index, participant) in participants.enumerated() {
            for row in participant.members { labels[row] = index }
        }
        let d = context.matrix.dimension
        let counts = participants.map(\.members.count)

        let p = participants.count
        // Per-participant sums of unit vectors, flat (participant-major).
        func sums(_ labels: [Int]) -> [Double] {
            var sums = [Double](repeating: 0, count: p * d)
            context.matrix.values.withUnsafeBufferPointer { e in
                sums.withUnsafeMutableBufferPointer { s in
                    for (row, owner) in labels.enumerated() {
                        let target = s.baseAddress! + owner * d, source = e.baseAddress! + row * d
                        for k in 0..<d { target[k] += Double(source[k]) }
                    }
                }
            }
            return sums
        }
        func between(_ sums: [Double]) -> (pairs: [(Int, Int, Double)], mean: Double?) {
            var pairs: [(Int, Int, Double)] = []
            sums.withUnsafeBufferPointer { s in
                for i in 0..<p {
                    for j in (i + 1)..<max(i + 1, p) {
                        let dot = VectorKernels.dot(s.baseAddress! + i * d, s.baseAddress! + j * d, count: d)
                        pairs.append((i, j, dot / Double(counts[i] * counts[j])))
                    }
                }
            }
            return (pairs, pairs.isEmpty ? nil : pairs.reduce(0) { $0 + $1.2 } / Double(pairs.count))
        }

        let observed = sums(labels)
        let (pairs, mean) = between(observed)
        var within: [Double] = []
        for participant in participants where participant.members.count >= 2 {
            within.append(PairwiseSimilarity.meanSimilarity(context.matrix.subset(participant.members)) ?? 0)
        }
        var floors: [Double] = []
        if participants.count >= 2 {
            var generator = SplitMix64(seed: seed)
            var shuffled = labels
            for _ in 0..<floorPermutations {
                shuffled.shuffle(using: &generator)
                if let value = between(sums(shuffled)).mean { floors.append(value) }
            }
        }
        let floorMean = floors.isEmpty ? nil : floors.reduce(0, +) / Double(floors.count)
        let floorSpread = floorMean.map { m in (floors.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(floors.count)).squareRoot() }
        return Homogeneity(
            pairs: pairs.map { i, j, similarity in
                let a = participants[i].members[0], b = participants[j].members[0]
                return Homogeneity.Pair(
                    first: participants[i].key, second: participants[j].key,
                    sameGroup: context.ideas[a].group == context.ideas[b].group, similarity: similarity)
            },
            meanBetweenParticipants: mean,
            meanWithinParticipants: within.isEmpty ? nil : within.reduce(0, +) / Double(within.count),
            randomPairFloor: floorMean, randomPairFloorSpread: floorSpread, permutations: floors.count)
    }

    private func contributions(_ context: Context, global: NearDuplicateClustering.Result) async -> [Contribution] {
        var reachedBy = [Set<String>](repeating: [], count: global.clusterCount)
        for (row, cluster) in global.assignments.enumerated() {
            reachedBy[cluster].insert(context.ideas[row].participantKey)
        }
        let agentRows = context.ideas.indices.filter { context.ideas[$0].kind == .agent }
        var result: [Contribution] = []
        for (key, rows) in ordered(Array(context.ideas.indices), by: { context.ideas[$0].participantKey }) {
            let first = context.ideas[rows[0]]
            let clusters = Set(rows.map { global.assignments[$0] })
            let nearest = first.kind == .human && !agentRows.isEmpty
                ? await Self.meanNearestDistance(rows, to: agentRows, in: context.matrix)
                : nil
            result.append(Contribution(
                participant: key, author: first.author, group: first.group, kind: first.kind, ideas: rows.count,
                clustersReached: clusters.count,
                exclusiveClusters: clusters.filter { reachedBy[$0] == [key] }.count,
                meanNearestAgentDistance: nearest))
        }
        return result
    }

    /// Mean over `rows` of 1 − the highest cosine similarity to any of `targets`, split over cores.
    static func meanNearestDistance(_ rows: [Int], to targets: [Int], in matrix: EmbeddingMatrix) async -> Double {
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, rows.count))
        let values = matrix.values, d = matrix.dimension
        // Summed in worker order so the result does not depend on which worker finished first.
        let total = await withTaskGroup(of: (Int, Double).self) { group in
            for worker in 0..<workers {
                let slice = rows[(rows.count * worker / workers)..<(rows.count * (worker + 1) / workers)]
                group.addTask {
                    (worker, values.withUnsafeBufferPointer { e in
                        var sum = 0.0
                        for row in slice {
                            var best: Float = -1
                            for target in targets {
                                best = max(best, VectorKernels.dot(e.baseAddress! + row * d, e.baseAddress! + target * d, count: d))
                            }
                            sum += Double(1 - best)
                        }
                        return sum
                    })
                }
            }
            var parts = [Double](repeating: 0, count: workers)
            for await (worker, part) in group { parts[worker] = part }
            return parts.reduce(0, +)
        }
        return total / Double(rows.count)
    }
}

/// Sorts round groups by round number, ideas without a round last.
func byRoundNumber(_ groups: [(key: Int?, members: [Int])]) -> [(key: Int?, members: [Int])] {
    groups.sorted { lhs, rhs in
        switch (lhs.key, rhs.key) {
        case let (a?, b?): a < b
        case (_?, nil): true
        default: false
        }
    }
}

/// Groups `rows` by `key`, keeping keys and members in order of first appearance.
func ordered<Key: Hashable>(_ rows: [Int], by key: (Int) -> Key) -> [(key: Key, members: [Int])] {
    var order: [Key] = []
    var members: [Key: [Int]] = [:]
    for row in rows {
        let value = key(row)
        if members[value] == nil { order.append(value) }
        members[value, default: []].append(row)
    }
    return order.map { ($0, members[$0] ?? []) }
}

extension DiversityAnalyzer {
    /// `texts` embedded `batchSize` at a time and normalised, checking the embedder returned
    /// one vector per text.
    static func embedInBatches(_ texts: [String], embedder: any Embedder, batchSize: Int) async throws -> EmbeddingMatrix {
        var vectors: [[Float]] = []
        vectors.reserveCapacity(texts.count)
        for start in stride(from: 0, to: texts.count, by: batchSize) {
            let batch = Array(texts[start..<min(texts.count, start + batchSize)])
            let embedded = try await embedder.embed(batch)
            guard embedded.count == batch.count else {
                throw PolyphonyError.invalidInput("embedder \(embedder.name) returned \(embedded.count) vectors for \(batch.count) texts")
            }
            vectors.append(contentsOf: embedded)
        }
        return try EmbeddingMatrix(vectors).normalized()
    }
}
