import PolyphonyCore
import Testing
@testable import PolyphonyScoring

/// The pruned, indexed search behind clustering and nearest-idea distances gives exactly what
/// the plain definitions give: every pair compared with its full dot product.
struct ClusteringAtScaleTests {
    /// Greedy clustering by its definition: each row against every representative so far.
    private func sequentialDefinition(_ matrix: EmbeddingMatrix, threshold: Float) -> NearDuplicateClustering.Result {
        var representatives: [Int] = [], assignments: [Int] = [], similarity: [Float] = []
        for i in 0..<matrix.rows {
            var best: (Float, Int) = (-.infinity, -1)
            for (cluster, r) in representatives.enumerated() {
                let cosine = matrix.dot(i, r)
                if cosine >= threshold, cosine > best.0 { best = (cosine, cluster) }
            }
            if best.1 >= 0 {
                assignments.append(best.1)
                similarity.append(best.0)
            } else {
                assignments.append(representatives.count)
                representatives.append(i)
                similarity.append(1)
            }
        }
        return .init(assignments: assignments, representatives: representatives, similarityToRepresentative: similarity)
    }

    /// Rows that share a strong common direction (as real embeddings do) with planted
    /// near-duplicates at several distances, so the rotated index is used and has work to prune.
    private func anisotropic(rows n: Int, dimension d: Int, seed: UInt64) throws -> EmbeddingMatrix {
        let anchors = EmbeddingMatrix.randomUnit(rows: n / 4, dimension: d, seed: seed)
        let noise = EmbeddingMatrix.randomUnit(rows: n, dimension: d, seed: seed + 1)
        let common = EmbeddingMatrix.randomUnit(rows: 1, dimension: d, seed: seed + 2).row(0)
        return try EmbeddingMatrix((0..<n).map { i in
            let weight: Float = [0.15, 0.4, 0.7, 1.2][i % 4]
            return (0..<d).map { k in 1.1 * common[k] + anchors.row(i % (n / 4))[k] + weight * noise.row(i)[k] }
        }).normalized()
    }

    /// Texts recombined from a small phrase stock, embedded lexically: many share most words.
    private func lexicalIdeas(_ n: Int) async throws -> EmbeddingMatrix {
        let starts = ["plant shade trees", "paint roofs white", "open cooling centres", "add misting stations", "build bus stop canopies"]
        let places = ["along main streets", "near schools", "in public markets", "at every park", "on parking lots"]
        let ends = ["to cool the city", "for heat relief", "during heat waves", "so people stay safe", ""]
        var generator = SplitMix64(seed: 11)
        let texts = (0..<n).map { _ in
            [starts, places, ends].map { $0[Int(generator.next() % UInt64($0.count))] }.joined(separator: " ")
        }
        return try await EmbeddingMatrix.embedding(texts, with: LexicalEmbedder(dimension: 64))
    }

    @Test(arguments: [Float(0.6), 0.8, 0.9])
    func rotatedIndexClusteringEqualsTheSequentialDefinition(threshold: Float) async throws {
        let matrix = try anisotropic(rows: 480, dimension: 64, seed: 21)
        let fast = await NearDuplicateClustering(threshold: threshold).cluster(matrix)
        let definition = sequentialDefinition(matrix, threshold: threshold)
        #expect(fast == definition)
        #expect(fast.clusterCount > 1 && fast.clusterCount < 480)
    }

    @Test func lexicalIdeasClusterExactlyAsTheDefinitionSays() async throws {
        let matrix = try await lexicalIdeas(400)
        let fast = await NearDuplicateClustering(threshold: 0.8).cluster(matrix)
        #expect(fast == sequentialDefinition(matrix, threshold: 0.8))
        #expect(fast.clusterCount > 10 && fast.clusterCount < 400)
    }

    @Test func oneIndexClustersEverySubsetAsIfItWereAlone() async throws {
        let matrix = try anisotropic(rows: 400, dimension: 64, seed: 5)
        let index = await NearDuplicateClustering.Index(matrix, threshold: 0.8)
        var generator = SplitMix64(seed: 9)
        let subset = Array(Array(0..<400).shuffled(using: &generator).prefix(260))
        let clustering = NearDuplicateClustering(threshold: 0.8)
        #expect(await clustering.cluster(subset, in: index) == sequentialDefinition(matrix.subset(subset), threshold: 0.8))
    }

    @Test(arguments: [Float(0.6), 0.8, 0.9])
    func neighbourPairsClusterEverySubsetAsTheSearchDoes(threshold: Float) async throws {
        for matrix in [try anisotropic(rows: 700, dimension: 64, seed: 17), try await lexicalIdeas(600)] {
            let index = await NearDuplicateClustering.Index(matrix, threshold: 0.6)
            let neighbours = try #require(await NearDuplicateClustering.Neighbours.find(in: index, threshold: 0.6, limit: .max))
            let clustering = NearDuplicateClustering(threshold: threshold)
            var generator = SplitMix64(seed: 31)
            let shuffled = Array(0..<matrix.rows).shuffled(using: &generator)
            let subsets = [Array(0..<matrix.rows), shuffled.prefix(350).sorted(), shuffled.suffix(5).sorted(), [3], []]
            for subset in subsets {
                let fromPairs = clustering.cluster(subset, neighbours: neighbours)
                #expect(fromPairs == (await clustering.cluster(subset, in: index)))
                #expect(fromPairs == sequentialDefinition(matrix.subset(subset), threshold: threshold))
            }
        }
    }

    @Test func neighbourPairsListEveryPairAtTheThresholdWithItsCosine() async throws {
        let matrix = try await lexicalIdeas(300)
        let index = await NearDuplicateClustering.Index(matrix, threshold: 0.8)
        let neighbours = try #require(await NearDuplicateClustering.Neighbours.find(in: index, threshold: 0.8, limit: .max))
        var expected: [(Int32, Float)] = [], listed: [(Int32, Float)] = []
        for x in 0..<300 {
            for y in 0..<x where matrix.dot(x, y) >= 0.8 { expected.append((Int32(y), matrix.dot(x, y))) }
            for k in neighbours.offsets[x]..<neighbours.offsets[x + 1] { listed.append((neighbours.rows[k], neighbours.similarities[k])) }
        }
        #expect(!expected.isEmpty)
        #expect(listed.map(\.0) == expected.map(\.0))
        #expect(listed.map(\.1) == expected.map(\.1))
    }

    /// The bound kernels (AVX-512, AVX2, scalar) sum in different orders; a pair whose cosine
    /// sits exactly at the threshold, or one Float step either side, must still be listed (or
    /// not) exactly as the full dot product says. Row counts that are no multiple of the kernels'
    /// 16- and 32-row panels exercise the padding.
    @Test(arguments: [Int32(-1), 1, 0])
    func everyBoundKernelListsExactlyThePairsAtAndAboveTheThreshold(kernel: Int32) async throws {
        for matrix in [try anisotropic(rows: 613, dimension: 64, seed: 41), try await lexicalIdeas(547)] {
            let index = await NearDuplicateClustering.Index(matrix, threshold: 0.6)
            // Every pair's cosine, by the definition, once; thresholds equal to cosines that occur.
            let cosines = (0..<matrix.rows).map { x in (0..<x).map { matrix.dot(x, $0) } }
            let occurring = cosines.joined().filter { $0 >= 0.6 && $0 < 0.99 }.sorted()
            let picked = [try #require(occurring.first), occurring[occurring.count / 2], try #require(occurring.last)]
            for threshold in picked.flatMap({ [$0.nextDown, $0, $0.nextUp] }) {
                let neighbours = try #require(await NearDuplicateClustering.Neighbours.find(in: index, threshold: threshold, limit: .max, kernel: kernel))
                let expected = cosines.map { row in row.indices.filter { row[$0] >= threshold } }
                let listed = (0..<matrix.rows).map { neighbours.rows[neighbours.offsets[$0]..<neighbours.offsets[$0 + 1]].map(Int.init) }
                #expect(listed == expected, "threshold \(threshold)")
                #expect(expected.contains { !$0.isEmpty })
                let similarities = (0..<matrix.rows).map { Array(neighbours.similarities[neighbours.offsets[$0]..<neighbours.offsets[$0 + 1]]) }
                #expect(similarities == expected.enumerated().map { x, ys in ys.map { cosines[x][$0] } })
            }
        }
    }

    @Test func neighbourPairsGiveUpPastTheirLimit() async throws {
        let matrix = try await lexicalIdeas(300)
        let index = await NearDuplicateClustering.Index(matrix, threshold: 0.8)
        #expect(await NearDuplicateClustering.Neighbours.find(in: index, threshold: 0.8, limit: 10) == nil)
    }

    @Test func indexBoundNeverFallsBelowTheCosine() async throws {
        let matrix = try anisotropic(rows: 300, dimension: 64, seed: 8)
        let index = await NearDuplicateClustering.Index(matrix, threshold: 0.8)
        let p = index.prefix
        for i in stride(from: 0, to: 300, by: 7) {
            for j in stride(from: 1, to: 300, by: 5) {
                var head: Float = 0
                for k in 0..<p { head += index.heads[i * p + k] * index.heads[j * p + k] }
                let bound = head + index.restNorms[i] * index.restNorms[j] + NearDuplicateClustering.Index.slack
                #expect(bound >= matrix.dot(i, j))
            }
        }
    }

    @Test func nearestAgentDistancesEqualTheExhaustiveSearch() async throws {
        let matrix = try anisotropic(rows: 400, dimension: 64, seed: 13)
        let index = await NearDuplicateClustering.Index(matrix, threshold: 0.8)
        let humans = Array(stride(from: 0, to: 400, by: 9)), agents = (0..<400).filter { $0 % 9 != 0 }
        let fast = await DiversityAnalyzer.nearestDistances(humans, to: agents, in: index)
        let exhaustive = humans.map { row in Double(1 - agents.map { matrix.dot(row, $0) }.reduce(-1, max)) }
        #expect(fast == exhaustive)
    }

    @Test func nearestAgentSearchStartedFromListedPairsFindsTheSameDistances() async throws {
        let matrix = try anisotropic(rows: 400, dimension: 64, seed: 13)
        let index = await NearDuplicateClustering.Index(matrix, threshold: 0.6)
        let neighbours = try #require(await NearDuplicateClustering.Neighbours.find(in: index, threshold: 0.6, limit: .max))
        let ideas = (0..<400).map { InputIdea(id: "i\($0)", text: "", author: "a", kind: $0 % 9 == 0 ? .human : .agent, group: "g", source: "s") }
        let humans = Array(stride(from: 0, to: 400, by: 9)), agents = (0..<400).filter { $0 % 9 != 0 }
        let seeds = DiversityAnalyzer.nearestListedAgents(humans, ideas, neighbours)
        #expect(seeds.contains { $0.representative >= 0 })
        let seeded = await DiversityAnalyzer.nearestDistances(humans, to: agents, in: index, seeds: seeds)
        #expect(seeded == (await DiversityAnalyzer.nearestDistances(humans, to: agents, in: index)))
    }

    @Test func homogeneityMeanFromSumsEqualsTheMeanOverPairs() {
        let d = 6, counts = [1, 3, 2, 5, 1]
        var generator = SplitMix64(seed: 3)
        let sums = (0..<(counts.count * d)).map { _ in Double(generator.next() % 1_000) / 500 - 1 }
        var total = 0.0, pairs = 0.0
        for i in counts.indices {
            for j in (i + 1)..<counts.count {
                var dot = 0.0
                for k in 0..<d { dot += sums[i * d + k] * sums[j * d + k] }
                total += dot / Double(counts[i] * counts[j])
                pairs += 1
            }
        }
        let fast = DiversityAnalyzer.meanPairDot(sums, counts: counts, dimension: d)
        #expect(abs((fast ?? 9) - total / pairs) < 1e-12)
        #expect(DiversityAnalyzer.meanPairDot(Array(sums.prefix(d)), counts: [2], dimension: d) == nil)
    }

    @Test func manyParticipantsGetTheMeanOverEveryPairWithoutAListOfPairs() async throws {
        let n = 240
        let matrix = EmbeddingMatrix.randomUnit(rows: n, dimension: 16, seed: 4)
        let ideas = (0..<n).map { InputIdea(id: "i\($0)", text: "idea \($0)", author: "p\($0)", kind: .human, group: "g", source: "s") }
        let pool = IdeaPool(ideas: ideas, source: IdeaSource(id: "s", path: "s", kind: .ideaList, group: "g", ideaCount: n))
        let report = try await DiversityAnalyzer(floorPermutations: 2).analyze(
            pool, embeddings: matrix, promptVectors: [:], embedderName: "random", embedderIsSemantic: false)
        var total = 0.0
        for i in 0..<n { for j in (i + 1)..<n { total += Double(matrix.dot(i, j)) } }
        #expect(report.homogeneity.pairs.isEmpty)
        #expect(report.homogeneity.pairsListed == false)
        #expect(abs((report.homogeneity.meanBetweenParticipants ?? 9) - total / Double(n * (n - 1) / 2)) < 1e-6)
        #expect(report.homogeneity.randomPairFloor != nil)
    }
}
