import Foundation
import PolyphonyCore
import Synchronization
import Testing
@testable import PolyphonyScoring

struct BorderlineSettlerTests {
    /// Says "same" for pairs listed, and records what it was asked.
    final class ListJudge: SameIdeaJudge {
        let same: Set<[String]>
        let asked = Mutex<[[String]]>([])
        init(same: Set<[String]>) { self.same = same }
        var name: String { "list" }
        func isSameIdea(_ first: String, _ second: String) async throws -> Bool {
            asked.withLock { $0.append([first, second]) }
            return same.contains([first, second].sorted())
        }
    }

    @Test func borderlinePairsFollowTheJudgeAndSurePairsDoNotAsk() async throws {
        // a 0°, b 10° (0.985: sure), c 45° (0.707 to a: borderline), d 80° (0.17: different; 0.57 to c: borderline).
        let rows = [0.0, 10, 45, 80].map(FixedEmbedder.angle)
        let matrix = try EmbeddingMatrix(rows)
        let judge = ListJudge(same: [["a", "c"]])
        let settler = try BorderlineSettler(judge: judge, lower: 0.5, upper: 0.9, fallbackThreshold: 0.8)
        let result = await settler.cluster(matrix, texts: ["a", "b", "c", "d"])
        #expect(result.assignments == [0, 0, 0, 1])
        #expect(judge.asked.withLock { $0 } == [["c", "a"]])
        let settlement = await settler.settlement()
        #expect(settlement.queries == 1)
        #expect(settlement.decisions.first?.same == true)
        // The verdict is cached: clustering again asks nothing new.
        _ = await settler.cluster(matrix, texts: ["a", "b", "c", "d"])
        #expect(judge.asked.withLock { $0 }.count == 1)
    }

    @Test func exhaustedBudgetFallsBackToTheThresholdAndCountsUnresolved() async throws {
        let matrix = try EmbeddingMatrix([0.0, 45].map(FixedEmbedder.angle))
        let settler = try BorderlineSettler(judge: ListJudge(same: []), lower: 0.5, upper: 0.9, fallbackThreshold: 0.7, maxQueries: 0)
        let result = await settler.cluster(matrix, texts: ["a", "c"])
        #expect(result.clusterCount == 1)
        #expect(await settler.settlement().unresolved == 1)
    }

    @Test func chatJudgeReadsVerdictsAndRetriesJunk() async throws {
        let backend = ScriptedBackend(answers: ["I think so", "```json\n{\"same\": false}\n```"])
        let verdict = try await ChatSameIdeaJudge(backend: backend).isSameIdea("x", "y")
        #expect(verdict == false)
        #expect(backend.requests.withLock { $0.count } == 2)
        let prompt = backend.requests.withLock { $0[0].messages.map(\.content).joined() }
        #expect(prompt.contains("Idea A:\nx"))
        await #expect(throws: PolyphonyError.backend) {
            try await ChatSameIdeaJudge(backend: ScriptedBackend(answers: ["hmm", "hmm", "hmm"])).isSameIdea("x", "y")
        }
    }

    @Test func invertedBandIsRejected() {
        #expect(throws: PolyphonyError.invalidInput) {
            try BorderlineSettler(judge: ListJudge(same: []), lower: 0.9, upper: 0.5, fallbackThreshold: 0.8)
        }
    }
}

/// A chat backend that answers from a script, in order, and records requests.
final class ScriptedBackend: ChatBackend {
    let answers: [String]
    let requests = Mutex<[ChatRequest]>([])
    init(answers: [String]) { self.answers = answers }
    var name: String { "scripted" }
    var defaultModel: String { "script" }
    func complete(_ request: ChatRequest) async throws -> ChatResponse {
        let index = requests.withLock { requests in
            requests.append(request)
            return requests.count - 1
        }
        guard index < answers.count else { throw PolyphonyError.backend("script exhausted", backend: name) }
        return ChatResponse(text: answers[index])
    }
}
