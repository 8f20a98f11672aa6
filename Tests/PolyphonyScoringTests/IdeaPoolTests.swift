import PolyphonyCore
import PolyphonyTranscript
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
        #expect(throws: PolyphonyError.invalidInput) { try IdeaPool.load(transcripts: [path, path]) }
    }

    @Test(arguments: [
        (IdeaGrouping.Key.protocol, ["brainwriting", "brainwriting"]),
        (.session, ["s1", "s2"]),
        (.file, ["monday", "tuesday"]),
    ])
    func groupingByKeyNamesEachTranscriptsGroup(key: IdeaGrouping.Key, groups: [String]) async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let first = try await scratch.writeTranscript(
            "monday.jsonl", sessionId: "s1", protocolName: "brainwriting", topic: "Cool cities",
            participants: [("ava", .member)], ideas: [IdeaRecord(id: "i1", author: "ava", round: 1, text: "Shade trees")])
        let second = try await scratch.writeTranscript(
            "tuesday.jsonl", sessionId: "s2", protocolName: "brainwriting", topic: "Cool cities",
            participants: [("ava", .member)], ideas: [IdeaRecord(id: "i1", author: "ava", round: 1, text: "Misting stations")])
        let pool = try IdeaPool.load(transcripts: [first, second], grouping: IdeaGrouping(key: key))
        #expect(pool.ideas.map(\.group) == groups)
        #expect(pool.sources.map(\.group) == groups)
    }

    @Test func aLabelPerFileWinsOverTheKeyForTranscriptsAndIdeaListRowsWithoutAGroup() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let first = try await scratch.writeTranscript(
            "a.jsonl", sessionId: "s1", protocolName: "brainwriting", topic: "Cool cities",
            participants: [("ava", .member)], ideas: [IdeaRecord(id: "i1", author: "ava", round: 1, text: "Shade trees")])
        let second = try await scratch.writeTranscript(
            "b.jsonl", sessionId: "s2", protocolName: "brainwriting", topic: "Cool cities",
            participants: [("ava", .member)], ideas: [IdeaRecord(id: "i1", author: "ava", round: 1, text: "Misting stations")])
        let list = try scratch.write("people.csv", "text,author,group\nFountains,ann,\nParks,ben,own\n")
        let grouping = try IdeaGrouping(key: .session, labels: [(first, "baseline"), (list, "people-label")])
        let pool = try IdeaPool.load(transcripts: [first, second], ideaLists: [list], grouping: grouping)
        #expect(pool.ideas.map(\.group) == ["baseline", "s2", "people-label", "own"])
    }

    @Test func aLabelForAFileThatIsNotScoredIsRejected() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = try await scratch.writeTranscript(
            "a.jsonl", sessionId: "s1", protocolName: "solo", topic: "t",
            participants: [("ava", .member)], ideas: [IdeaRecord(id: "i1", author: "ava", round: 1, text: "Shade trees")])
        let grouping = try IdeaGrouping(labels: [("elsewhere/a.jsonl", "x")])
        #expect(throws: PolyphonyError.invalidInput) { try IdeaPool.load(transcripts: [path], grouping: grouping) }
    }

    @Test func groupLabelArgumentsSplitAtTheLastEqualsSign() throws {
        let pair = try #require(try IdeaGrouping.parseLabel("runs/a=b.jsonl=with expert"))
        #expect(pair.path == "runs/a=b.jsonl" && pair.label == "with expert")
        #expect(try IdeaGrouping.parseLabel("llm") == nil)
        #expect(throws: PolyphonyError.invalidInput) { try IdeaGrouping.parseLabel("a.jsonl=") }
        #expect(throws: PolyphonyError.invalidInput) { try IdeaGrouping(labels: [("a.jsonl", "x"), ("./a.jsonl", "y")]) }
    }

    @Test func fileNamesFallBackToThePathWhenTwoInputsShareABaseName() {
        let names = IdeaGrouping.fileNames(for: ["x/run.jsonl", "y/run.jsonl", "z/other.jsonl"])
        #expect(names == ["x/run.jsonl": "x/run.jsonl", "y/run.jsonl": "y/run.jsonl", "z/other.jsonl": "other"])
    }
}
