import Foundation
import PolyphonyCore
import PolyphonyTestSupport
import Testing

/// `polyphony baseline` against a fake LLM server on 127.0.0.1.
@Suite struct BaselineCommandTests {
    private struct Row: Decodable {
        var text: String
        var author: String
        var kind: String
        var prompt: String
        var backend: String
        var topic: String
        var seed: UInt64
    }

    private func rows(_ path: String) throws -> [Row] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { try JSONDecoder().decode(Row.self, from: Data($0.utf8)) }
    }

    @Test func baselineWritesOneCallPerBackendTopicAndSeedWithTheModelAsAuthorAndNoPersona() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let folder = try TemporaryFolder()
        let backends = try folder.write("backends.yaml", server.backendsYAML(kinds: [.openai, .anthropic]))
        let pool = folder.path + "/pool.jsonl"
        let result = try await CLIHarness.run([
            "baseline", "--topic", "How might a town cut water use?", "--topic", "How might a city keep cool?",
            "--backend", "openai", "--backend", "anthropic", "--samples", "3", "--backends", backends, "--out", pool, "--no-cache",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let written = try rows(pool)
        // 2 backends × 2 topics × 3 seeds, three ideas per fake answer.
        #expect(server.requestCount == 12)
        #expect(written.count == 36)
        #expect(Set(written.map(\.author)) == ["fake-model"])
        #expect(Set(written.map(\.kind)) == ["agent"])
        #expect(Set(written.map(\.backend)) == ["openai", "anthropic"])
        #expect(Set(written.map(\.topic)) == ["t1", "t2"])
        #expect(Set(written.map(\.seed)) == [1, 2, 3])
        #expect(Set(written.map(\.prompt)) == ["How might a town cut water use?", "How might a city keep cool?"])
        // No persona: the request is the topic and the neutral instruction, with no system prompt.
        let prompt = try #require(server.recordedRequests.compactMap(\.prompt).first)
        #expect(prompt.messages.count == 1)
        #expect(prompt.messages.allSatisfy { $0.role == .user })
        #expect(prompt.lastUserMessage.contains("Write your ideas on your own."))
        #expect(Set(server.recordedRequests.compactMap(\.prompt?.seed)) == [1, 2, 3])
    }

    @Test func rerunningBaselineSkipsCallsTheFileHoldsAndDropsACallACrashCutShort() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let folder = try TemporaryFolder()
        let backends = try folder.write("backends.yaml", server.backendsYAML(kinds: [.openai]))
        let pool = folder.path + "/pool.jsonl"
        let arguments = ["baseline", "--topic", "How might a town cut water use?", "--backend", "openai", "--backends", backends, "--out", pool, "--no-cache"]
        #expect(try await CLIHarness.run(arguments + ["--samples", "2"]).status == 0)
        #expect(server.requestCount == 2)
        let firstRun = try String(contentsOfFile: pool, encoding: .utf8)

        // A crash in the middle of seed 2's lines: its last row is lost and the line before is torn.
        var lines = firstRun.split(separator: "\n").map(String.init)
        lines.removeLast()
        let torn = lines.removeLast()
        try (lines.joined(separator: "\n") + "\n" + torn.prefix(20)).write(toFile: pool, atomically: true, encoding: .utf8)

        server.resetStatistics()
        let resumed = try await CLIHarness.run(arguments + ["--samples", "3"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        // Seed 1 is kept; seed 2 (incomplete) and seed 3 (new) are asked.
        #expect(server.requestCount == 2)
        let written = try rows(pool)
        #expect(written.count == 9)
        #expect(written.filter { $0.seed == 1 }.count == 3)
        #expect(written.filter { $0.seed == 2 }.count == 3)
        #expect(resumed.stdout.contains("1 calls already in the file"))

        server.resetStatistics()
        #expect(try await CLIHarness.run(arguments + ["--samples", "3"]).status == 0)
        #expect(server.requestCount == 0)
        #expect(try rows(pool).count == 9)
    }

    @Test func aBaselinePoolServesAsTheReferenceForScoring() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let folder = try TemporaryFolder()
        let backends = try folder.write("backends.yaml", server.backendsYAML(kinds: [.openai]))
        let pool = folder.path + "/pool.jsonl"
        let topic = "How might a town cut water use?"
        #expect(try await CLIHarness.run(["baseline", "--topic", topic, "--backend", "openai", "--samples", "4", "--backends", backends, "--out", pool, "--no-cache"]).status == 0)
        let ideas = try folder.write("people.csv", """
            text,author
            Pay households to fit rain barrels,ana
            \(try rows(pool)[0].text),ben

            """)
        let csv = folder.path + "/ideas.csv"
        let result = try await CLIHarness.run([
            "score", "--ideas", ideas, "--prompt", topic, "--reference", pool, "--embedder", "lexical", "--json", "--csv", csv, "--no-save",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let scored = try #require(report["ideas"] as? [[String: Any]])
        #expect(scored[1]["in_reference"] as? Bool == true)
        #expect(scored[0]["in_reference"] as? Bool == false)
        #expect(((scored[0]["reference_novelty"] as? Double) ?? 0) > ((scored[1]["reference_novelty"] as? Double) ?? 1))
        let overall = try #require(report["overall"] as? [String: Any])
        #expect(overall["hivemind_share"] as? Double == 0.5)
        #expect(try String(contentsOfFile: csv, encoding: .utf8).hasPrefix("index,id,source,group,author,kind,round,cluster,rarity,similarity_to_representative,cluster_at_0.80,prompt_distance,originality,reference_novelty,in_reference,text"))
    }

    @Test func aFileThatIsNotAPoolIsRefusedAndLeftAsItWas() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let folder = try TemporaryFolder()
        let backends = try folder.write("backends.yaml", server.backendsYAML(kinds: [.openai]))
        let precious = try folder.write("precious.json", #"{"my":"precious single-line json"}"#)
        let result = try await CLIHarness.run([
            "baseline", "--topic", "How might a city keep streets cool?", "--backend", "openai", "--backends", backends,
            "--samples", "1", "--out", precious, "--no-cache",
        ])
        #expect(result.status == 65, "\(result.stderr)")
        #expect(try String(contentsOfFile: precious, encoding: .utf8) == #"{"my":"precious single-line json"}"#)
        #expect(server.requestCount == 0)
    }
}
