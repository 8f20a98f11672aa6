import Foundation
import PolyphonyCore
import Testing
@testable import PolyphonyScoring

struct ReferenceNoveltyTests {
    /// Unit vectors at the given angles (radians) in the plane of the first two axes, padded to d.
    private func planar(_ angles: [Double], dimension: Int = 8) throws -> EmbeddingMatrix {
        let values = angles.flatMap { angle -> [Float] in
            var row = [Float](repeating: 0, count: dimension)
            row[0] = Float(cos(angle))
            row[1] = Float(sin(angle))
            return row
        }
        return try EmbeddingMatrix(rows: angles.count, dimension: dimension, values: values)
    }

    @Test func noveltyIsOneMinusMeanCosineToTheKNearestPoolIdeas() async throws {
        let ideas = try planar([0, .pi / 2])
        let pool = try planar([0.1, 0.5, 1.0, 2.0, 3.0])
        let results = await ReferenceNovelty(k: 3, threshold: 0.95).score(ideas, against: pool)
        // By hand: cosines of the idea at angle 0 with the pool are cos(0.1), cos(0.5), cos(1.0), cos(2.0), cos(3.0).
        let first = [cos(0.1), cos(0.5), cos(1.0)]
        #expect(abs(results[0]!.novelty - (1 - first.reduce(0, +) / 3)) < 1e-5)
        #expect(results[0]!.inReference)
        #expect(abs(results[0]!.nearestSimilarity - cos(0.1)) < 1e-6)
        // The idea at π/2: nearest pool angles are 2.0, 1.0 and 0.5 (cos(π/2 − a)).
        let second = [2.0, 1.0, 0.5].map { cos(.pi / 2 - $0) }.sorted(by: >)
        #expect(abs(results[1]!.novelty - (1 - second.reduce(0, +) / 3)) < 1e-5)
        #expect(!results[1]!.inReference)
    }

    @Test func kLargerThanThePoolAveragesTheWholePool() async throws {
        let ideas = try planar([0])
        let pool = try planar([0, .pi])
        let results = await ReferenceNovelty(k: 20).score(ideas, against: pool)
        #expect(abs(results[0]!.novelty - 1) < 1e-6)
        #expect(results[0]!.inReference)
    }

    @Test func anEmptyPoolGivesNoScore() async throws {
        let results = await ReferenceNovelty().score(try planar([0, 1]), against: try EmbeddingMatrix(rows: 0, dimension: 8, values: []))
        #expect(results == [nil, nil])
    }

    @Test func tiledSwiftProductMatchesBruteForceOnRandomVectors() async throws {
        // More ideas than one block and more pool rows than one tile, so every boundary is crossed.
        let ideas = EmbeddingMatrix.randomUnit(rows: 300, dimension: 24, seed: 3)
        let pool = EmbeddingMatrix.randomUnit(rows: 2_100, dimension: 24, seed: 4)
        let results = await ReferenceNovelty(k: 7, threshold: 0.5).score(ideas, against: pool)
        for row in stride(from: 0, to: 300, by: 37) {
            var similarities: [Double] = []
            for other in 0..<pool.rows {
                var dot: Double = 0
                for k in 0..<24 { dot += Double(ideas.values[row * 24 + k]) * Double(pool.values[other * 24 + k]) }
                similarities.append(dot)
            }
            let top = similarities.sorted(by: >).prefix(7)
            #expect(abs(results[row]!.novelty - (1 - top.reduce(0, +) / 7)) < 1e-5)
            #expect(results[row]!.inReference == (top.first! >= 0.5))
        }
    }

    @Test func analyzerMatchesIdeasToPoolIdeasOfTheSamePromptAndReportsHivemindShare() async throws {
        let ideas = [
            InputIdea(id: "a", text: "Plant shade trees along every bus stop", author: "ava", kind: .agent, group: "g", prompt: "heat", source: "s"),
            InputIdea(id: "b", text: "Teach beekeeping in primary schools", author: "ava", kind: .agent, group: "g", prompt: "heat", source: "s"),
            InputIdea(id: "c", text: "Plant shade trees along every bus stop", author: "ben", kind: .agent, group: "g", prompt: "water", source: "s"),
        ]
        let reference = [
            InputIdea(id: "r1", text: "Plant shade trees along every bus stop", author: "model", kind: .agent, group: "pool", prompt: "heat", source: "p"),
            InputIdea(id: "r2", text: "Paint roofs white to reflect sunlight", author: "model", kind: .agent, group: "pool", prompt: "heat", source: "p"),
        ]
        var analyzer = DiversityAnalyzer()
        analyzer.reference = IdeaPool(ideas: reference, source: IdeaSource(id: "pool", path: "pool.jsonl", kind: .ideaList, group: "pool", ideaCount: 2))
        analyzer.referenceNovelty = ReferenceNovelty(k: 20)
        let report = try await analyzer.analyze(
            IdeaPool(ideas: ideas, source: IdeaSource(id: "s", path: "s.csv", kind: .ideaList, group: "g", ideaCount: 3)),
            embedder: LexicalEmbedder())
        #expect(report.ideas[0].inReference == true)
        #expect(report.ideas[1].inReference == false)
        #expect((report.ideas[1].referenceNovelty ?? 0) > (report.ideas[0].referenceNovelty ?? 1))
        // No pool idea answers "water".
        #expect(report.ideas[2].referenceNovelty == nil)
        #expect(report.overall.hivemindShare == 0.5)
        #expect(report.settings.referenceIdeas == 2)
        #expect(report.settings.referenceK == 20)
        #expect(report.ideasCSV().hasPrefix("index,id,source,group,author,kind,round,cluster,rarity,similarity_to_representative,cluster_at_0.80,prompt_distance,originality,reference_novelty,in_reference,text"))
        #expect(report.renderText().contains("hivemind share"))
    }
}
