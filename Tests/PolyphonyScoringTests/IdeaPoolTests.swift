import PolyphonyCore
import Testing
@testable import PolyphonyScoring

struct IdeaPoolTests {
    @Test func transcriptIdeasCarrySessionProtocolTopicAndAuthorKind() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = try await scratch.writeTranscript(
            "s.jsonl", sessionId: "s1", protocolName: "brainwriting", topic: "Cool cities",
            participants: [("ava", .member), ("me", .human)],
            ideas: [
                IdeaRecord(id: "i1", author: "ava", round: 1, text: "Shade trees"),
                IdeaRecord(id: "i2", author: "me", round: 2, text: "Misting stations"),
                IdeaRecord(id: "i3", author: "ghost", round: 2, text: "Night markets"),
            ])
        let pool = try IdeaPool.load(transcripts: [path])
        #expect(pool.ideas.map(\.kind) == [.agent, .human, .agent])
        #expect(pool.ideas.allSatisfy { $0.group == "brainwriting" && $0.prompt == "Cool cities" && $0.source == "s1" })
        #expect(pool.ideas.map(\.round) == [1, 2, 2])
        #expect(pool.sources.first?.warnings.contains { $0.contains("'ghost'") } == true)
    }

    @Test func groupLabelReplacesProtocolAndListsTakeTheSharedTopic() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let transcript = try await scratch.writeTranscript(
            "s.jsonl", sessionId: "s1", protocolName: "brainwriting", topic: "Cool cities",
            participants: [("ava", .member)], ideas: [IdeaRecord(id: "i1", author: "ava", round: 1, text: "Shade trees")])
        let list = try scratch.write("people.csv", "text,author\nFountains,ann\n")
        let pool = try IdeaPool.load(transcripts: [transcript], ideaLists: [list], group: "llm")
        #expect(pool.ideas.map(\.group) == ["llm", "people"])
        #expect(pool.ideas.last?.prompt == "Cool cities")
        #expect(pool.sources.map(\.kind) == [.transcript, .ideaList])
    }

    @Test func sameTranscriptTwiceIsRejected() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = try await scratch.writeTranscript(
            "s.jsonl", sessionId: "s1", protocolName: "p", topic: "t", participants: [("a", .member)],
            ideas: [IdeaRecord(id: "i1", author: "a", round: 1, text: "x")])
        #expect(throws: PolyphonyError.self) { try IdeaPool.load(transcripts: [path, path]) }
    }
}
