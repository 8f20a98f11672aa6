import Foundation
import PolyphonyCore
import PolyphonyTranscript
import Testing
@testable import PolyphonyScoring

struct DiversityAnalyzerTests {
    @Test func transcriptAndHumanListAreScoredSideBySide() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let transcript = try await scratch.writeTranscript(
            "run.jsonl", sessionId: "run-1", protocolName: "brainwriting", topic: "How can a city stay cool in summer?",
            participants: [("ava", .member), ("ben", .critic)],
            ideas: [
                IdeaRecord(id: "i1", author: "ava", round: 1, text: "Plant shade trees along every bus stop"),
                IdeaRecord(id: "i2", author: "ben", round: 1, text: "plant shade trees along every bus stop!"),
                IdeaRecord(id: "i3", author: "ava", round: 2, text: "Paint roofs white to reflect sunlight"),
                IdeaRecord(id: "i4", author: "ben", round: 2, text: "Paint roofs white to reflect the sunlight"),
            ])
        let people = try scratch.write("people.csv", """
            text,author,round
            "Open public pools late at night, free of charge",maya,1
            Run misting fountains in squares,maya,1
            Plant shade trees along every bus stop,li,2

            """)
        let pool = try IdeaPool.load(transcripts: [transcript], ideaLists: [people])
        let report = try await DiversityAnalyzer().analyze(pool, embedder: LexicalEmbedder())

        #expect(report.embedderKind == "lexical")
        #expect(report.settings.embedder == "lexical-hash-384")
        #expect(report.byGroup.map(\.key) == ["brainwriting", "people"])
        #expect(report.byGroup.map(\.ideas) == [4, 3])
        #expect(report.byGroup[0].unique == 2)
        #expect(report.byGroup[1].unique == 3)
        #expect(report.byKind.map(\.key) == ["agent", "human"])
        #expect(report.byRound.map(\.key) == ["1", "2"])
        #expect(report.overall.ideas == 7)
        #expect(report.overall.unique == 4)
        #expect(report.overall.uniqueAtLiteratureThreshold == 4)
        #expect((report.byGroup[1].vendi ?? 0) > (report.byGroup[0].vendi ?? 9))
        #expect(report.ideas.count == 7)
        #expect(report.ideas[6].cluster == report.ideas[0].cluster)
        #expect(report.ideas[0].rarity == 3)
        #expect(report.ideas[4].rarity == 1)
        #expect(report.ideas.allSatisfy { $0.promptDistance != nil })
        let maya = try #require(report.contributions.first { $0.participant == "people/maya" })
        #expect(maya.exclusiveClusters == 2)
        #expect((maya.meanNearestAgentDistance ?? 0) > 0.5)
        let li = try #require(report.contributions.first { $0.participant == "people/li" })
        #expect(li.exclusiveClusters == 0)
        #expect((li.meanNearestAgentDistance ?? 1) < 1e-5)
        // The people group reaches the shade-tree cluster for the first time in its round 2.
        #expect(report.trajectory.map(\.newClusters) == [1, 1, 2, 1])
        #expect(report.trajectory.map(\.cumulativeClusters) == [1, 2, 2, 3])
        #expect(report.homogeneity.pairs.count == 6)
        #expect(report.homogeneity.permutations == 20)
        #expect(report.homogeneity.randomPairFloor != nil)
    }

    @Test func homogeneityFloorRepeatsForTheSameSeedAndComparesWithObserved() async throws {
        // Two participants who each repeat one idea: far more alike within than between.
        let vectors: [String: [Float]] = ["x": [1, 0], "y": [0, 1]]
        let ideas = (0..<10).map { i in
            InputIdea(id: "\(i)", text: i < 5 ? "x" : "y", author: i < 5 ? "p" : "q", kind: .agent, group: "g", source: "s")
        }
        let pool = IdeaPool(ideas: ideas, source: IdeaSource(id: "s", path: "s", kind: .ideaList, group: "g", ideaCount: 10))
        let first = try await DiversityAnalyzer(seed: 9).analyze(pool, embedder: FixedEmbedder(vectors: vectors))
        let second = try await DiversityAnalyzer(seed: 9).analyze(pool, embedder: FixedEmbedder(vectors: vectors))
        #expect(first.homogeneity == second.homogeneity)
        #expect(first.homogeneity.meanBetweenParticipants == 0)
        #expect(first.homogeneity.meanWithinParticipants == 1)
        #expect((first.homogeneity.randomPairFloor ?? 0) > 0.3)
        #expect(first.overall.unique == 2)
        #expect(abs((first.overall.vendi ?? 0) - 2) < 1e-9)
    }

    /// Breakdowns clustered from one list of near-duplicate pairs, with Vendi scores summed from
    /// group × round × kind cells, match breakdowns clustered and measured subset by subset.
    @Test func sharedPairsAndCellSumsGiveTheBreakdownsOfSubsetBySubsetScoring() async throws {
        let words = ["shade", "tree", "roof", "white", "pool", "night", "bus", "stop", "park", "water", "mist", "garden"]
        var generator = SplitMix64(seed: 5)
        var texts = (0..<900).map { _ in (0..<6).map { _ in words[Int(generator.next() % 12)] }.joined(separator: " ") }
        for i in stride(from: 4, to: 900, by: 5) { texts[i] = texts[i - 3] + " now" }
        let ideas = texts.enumerated().map { i, text in
            InputIdea(id: "i\(i)", text: text, author: "p\(i % 60)", kind: i % 60 < 6 ? .human : .agent,
                      round: 1 + (i / 60) % 3, group: i % 2 == 0 ? "a" : "b", source: "s")
        }
        let pool = IdeaPool(ideas: ideas, source: IdeaSource(id: "s", path: "s", kind: .ideaList, group: "a", ideaCount: 900))
        let matrix = try await EmbeddingMatrix.embedding(texts, with: LexicalEmbedder(dimension: 64))
        var shared = DiversityAnalyzer(threshold: 0.85, floorPermutations: 2)
        var separate = shared
        separate.neighbourPairsPerIdea = 0
        separate.cellMomentsBudget = 0
        shared.neighbourPairsPerIdea = 32
        func analyze(_ analyzer: DiversityAnalyzer) async throws -> ScoreReport {
            try await analyzer.analyze(pool, embeddings: matrix, promptVectors: [:], embedderName: "lexical", embedderIsSemantic: false)
        }
        let fast = try await analyze(shared), slow = try await analyze(separate)
        let fastSummaries = [fast.overall] + fast.byGroup + fast.byRound + fast.byKind + fast.byParticipant + fast.trajectory.map(\.summary)
        let slowSummaries = [slow.overall] + slow.byGroup + slow.byRound + slow.byKind + slow.byParticipant + slow.trajectory.map(\.summary)
        #expect(fastSummaries.count == slowSummaries.count)
        for (a, b) in zip(fastSummaries, slowSummaries) {
            var withoutVendi = a
            withoutVendi.vendi = b.vendi
            #expect(withoutVendi == b)
            #expect(abs((a.vendi ?? 0) - (b.vendi ?? 0)) <= 1e-9 * (b.vendi ?? 1))
        }
        #expect(fast.overall.unique > 1 && fast.overall.unique < 900)
        #expect(fast.overall.unique != fast.overall.uniqueAtLiteratureThreshold)
        // The idea map's power iteration runs on the summed d×d matrix: coordinates agree to rounding.
        #expect(fast.ideas.count == slow.ideas.count)
        for (a, b) in zip(fast.ideas, slow.ideas) {
            var sameMap = a
            (sameMap.mapX, sameMap.mapY) = (b.mapX, b.mapY)
            #expect(sameMap == b)
            #expect(abs(a.mapX - b.mapX) <= 1e-9 && abs(a.mapY - b.mapY) <= 1e-9)
        }
        #expect(fast.clusters == slow.clusters)
        #expect(fast.trajectory.map(\.newClusters) == slow.trajectory.map(\.newClusters))
        #expect(fast.contributions == slow.contributions)
    }

    @Test func emptyPoolIsAnError() async throws {
        await #expect(throws: PolyphonyError.invalidInput) {
            try await DiversityAnalyzer().analyze(IdeaPool(), embedder: LexicalEmbedder())
        }
    }
}
