import Foundation
import PolyphonyCore
import PolyphonyTestSupport
import PolyphonyTranscript
import Testing

/// `polyphony rate` as a person uses it, with ratings piped in: blind, saved per idea,
/// resumable after a kill; and `score --ratings` reading what it wrote.
@Suite struct RateCommandTests {
    /// Names that identify who wrote an idea; none may reach the rater's screen.
    static let identities = [
        "zephyr-expert", "Zephyr Expert", "quill-control", "Quill Control", "model-xyzzy", "backend-omicron",
        "brainwriting", "leader-led", "sess-north", "sess-south", "quentin", "ruth", "cohort-omega",
    ]

    /// Two transcripts by persona agents on a named model, and a people's idea list: 8 ideas.
    struct Fixture {
        let folder: TemporaryFolder
        let inputs: [String]
        let texts: [String]

        init() async throws {
            folder = try TemporaryFolder()
            var inputs: [String] = []
            var texts: [String] = []
            for (session, protocolName, offset) in [("sess-north", "brainwriting", 0), ("sess-south", "leader-led", 3)] {
                let path = folder.path + "/\(session).jsonl"
                let writer = try TranscriptWriter(path: path, durable: false)
                let participants = [("zephyr-expert", "Zephyr Expert"), ("quill-control", "Quill Control")].map { id, name in
                    ParticipantSnapshot(id: id, persona: Persona(id: id, name: name, role: .member, body: ""), backend: "backend-omicron", model: "model-xyzzy")
                }
                try await writer.append(.session(SessionHeader(
                    sessionId: session, toolVersion: "test", topic: "How might a city keep streets cool?", protocolName: protocolName,
                    rounds: 1, participants: participants, startedAt: Date(timeIntervalSince1970: 0))))
                for index in 0..<3 {
                    let text = "Agent idea \(offset + index + 1): shade structure variant \(String(repeating: "x", count: offset + index))"
                    texts.append(text)
                    try await writer.append(.idea(IdeaRecord(id: "idea-\(index)", author: participants[index % 2].id, round: 1, text: text)))
                }
                try await writer.append(.end(EndRecord(status: .completed, totals: .init(ideas: 3))))
                await writer.close()
                inputs.append(path)
            }
            texts += ["Free swimming at the pool on hot evenings", "Misting fountains in every square"]
            let people = try folder.write("humans.csv", "text,author,group\n\(texts[6]),quentin,cohort-omega\n\(texts[7]),ruth,cohort-omega\n")
            self.inputs = inputs + ["--ideas", people]
            self.texts = texts
        }

        var ratings: String { folder.path + "/ana.csv" }

        func arguments(rater: String = "ana") -> [String] {
            ["rate"] + inputs + ["--rater", rater, "--out", folder.path + "/\(rater).csv", "--dimensions", "novelty,impact"]
        }

        func rows() throws -> [[String]] {
            let text = (try? String(contentsOfFile: ratings, encoding: .utf8)) ?? ""
            return text.split(separator: "\r\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        }
    }

    /// Starts `rate` with `typing` piped in, waits until the ratings file holds `untilRows`
    /// rows and the screen shows the question after them (so the next idea is on screen),
    /// and kills it with SIGKILL, as a crash or a closed laptop would.
    /// - Parameter prompts: Questions asked up to and including the one on screen at the kill.
    /// - Returns: What the rater's screen showed, and whether the rows were there and the
    ///   kill (not a normal exit) ended the process.
    static func rateThenKill(_ fixture: Fixture, typing: String, untilRows rows: Int, prompts: Int) async throws -> (screen: String, killed: Bool) {
        let firstOut = fixture.folder.path + "/first.out"
        _ = FileManager.default.createFile(atPath: firstOut, contents: nil)
        let screen = try FileHandle(forWritingTo: URL(fileURLWithPath: firstOut))
        let input = Pipe()
        let process = Process()
        process.executableURL = CLIHarness.binary
        process.arguments = fixture.arguments()
        process.standardInput = input
        process.standardOutput = screen
        process.standardError = screen
        try process.run()
        input.fileHandleForWriting.write(Data(typing.utf8))
        let deadline = Date().addingTimeInterval(60)
        func asked() -> Int {
            ((try? String(contentsOfFile: firstOut, encoding: .utf8)) ?? "").components(separatedBy: ", s, b, q]: ").count - 1
        }
        while try fixture.rows().count < rows || asked() < prompts, Date() < deadline, process.isRunning {
            try await Task.sleep(for: .milliseconds(20))
        }
        let saved = try fixture.rows().count == rows
        kill(process.processIdentifier, SIGKILL)
        await CLIHarness.wait(process)
        try screen.close()
        return (try String(contentsOfFile: firstOut, encoding: .utf8), saved && process.terminationReason == .uncaughtSignal)
    }

    @Test func aRatingSessionKilledHalfWayResumesWithoutAskingForARatedIdeaAndNeverShowsWhoWroteIt() async throws {
        let fixture = try await Fixture()
        // Four ideas, two dimensions each; then the rater is looking at the fifth idea.
        let (firstScreen, killed) = try await Self.rateThenKill(fixture, typing: String(repeating: "5\n6\n", count: 4), untilRows: 8, prompts: 9)
        #expect(killed, "four ideas saved before the kill")
        let ratedFirst = Set(try fixture.rows().map { $0[0] + "@" + $0[1] })
        #expect(ratedFirst.count == 4)

        let second = try await CLIHarness.run(fixture.arguments(), stdin: String(repeating: "7\n8\n", count: 4))
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("Rating 4 ideas as ana (4 rated before, not shown again)"))
        #expect(second.stdout.contains("Every idea is rated."))
        // No idea rated before the kill is shown again.
        let shownFirst = fixture.texts.filter { firstScreen.contains($0) }
        #expect(shownFirst.count == 5, "four rated and the fifth on screen at the kill")
        let shownSecond = fixture.texts.filter { second.stdout.contains($0) }
        #expect(shownSecond.count == 4)
        let rows = try fixture.rows()
        #expect(rows.count == 16, "8 ideas × 2 dimensions, each once")
        #expect(Set(rows.map { $0[0] + "@" + $0[1] + "/" + $0[3] }).count == 16)
        #expect(rows.allSatisfy { $0.count == 6 && $0[2] == "ana" })
        #expect(rows.prefix(8).map { $0[4] } == Array(repeating: ["5", "6"], count: 4).flatMap { $0 }, "ratings given before the kill are kept as given")
        for name in Self.identities {
            #expect(!firstScreen.contains(name) && !second.stdout.contains(name) && !second.stderr.contains(name), "\(name) reached the rater's screen")
        }
        #expect(firstScreen.contains("s skips the idea, b goes back, q quits"), "the keys are on screen")
    }

    @Test func aSkipIsSavedAtOnceSoASessionKilledAfterItResumesWithoutAskingTheSkippedIdeaAgain() async throws {
        let fixture = try await Fixture()
        // Rate the first idea, skip the second, rate the third; the fourth is then on screen.
        let (firstScreen, killed) = try await Self.rateThenKill(fixture, typing: "5\n6\ns\n5\n6\n", untilRows: 6, prompts: 6)
        #expect(killed, "two rated ideas and one skip saved before the kill")
        let firstRows = try fixture.rows()
        let skipped = Set(firstRows.filter { $0[4].isEmpty }.map { $0[0] + "@" + $0[1] })
        #expect(skipped.count == 1 && firstRows.filter { $0[4].isEmpty }.map { $0[3] } == ["novelty", "impact"], "one skip row per dimension, score empty")
        // The skipped idea is the second one shown.
        let shownOrder = fixture.texts.filter { firstScreen.contains($0) }.sorted {
            firstScreen.range(of: $0)!.lowerBound < firstScreen.range(of: $1)!.lowerBound
        }
        #expect(shownOrder.count == 4)

        let second = try await CLIHarness.run(fixture.arguments(), stdin: String(repeating: "7\n8\n", count: 5))
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("Rating 5 ideas as ana (2 rated and 1 skipped before, not shown again)"))
        #expect(second.stdout.contains("Every idea is rated or skipped (1 skipped; add --retry-skipped"))
        #expect(shownOrder.count > 1 && !second.stdout.contains(shownOrder[1]), "the skipped idea is not asked again")
        let rows = try fixture.rows()
        #expect(rows.count == 16, "7 rated ideas × 2 dimensions and one skip × 2")
        #expect(rows.filter { $0[4].isEmpty }.count == 2)

        // Agreement reads the file and leaves the skip out.
        let scored = try await CLIHarness.run(["score"] + fixture.inputs + ["--ratings", fixture.ratings, "--no-save", "--json"])
        #expect(scored.status == 0, "\(scored.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(scored.stdout.utf8)) as? [String: Any]
        let human = json?["human_ratings"] as? [String: Any]
        #expect(human?["ratings"] as? Int == 14, "14 scores used, the 2 skip rows left out")
    }

    @Test func scoreWithAMalformedRatingsLineExitsWith65NamingFileAndLine() async throws {
        let fixture = try await Fixture()
        let bad = try fixture.folder.write("bad.csv", "idea_id,source,rater,dimension,score,time\nidea-0,sess-north,ana,novelty,7,t\nidea-1,sess-north,ana,novelty,lots,t\n")
        let result = try await CLIHarness.run(["score", fixture.inputs[0], "--ratings", bad, "--no-save"])
        #expect(result.status == 65)
        #expect(result.stderr.hasPrefix("polyphony: \(bad):3: "), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test func rateRefusesToWriteItsRatingsOverAnInput() async throws {
        let fixture = try await Fixture()
        let result = try await CLIHarness.run(["rate", fixture.inputs[0], "--rater", "ana", "--out", fixture.inputs[0]], stdin: "5\n")
        #expect(result.status == 65)
        #expect(result.stderr.contains("an output never overwrites an input"))
    }

    /// Rubric JSON whose scores follow the idea's length, so judge and people can agree or not.
    static let judge: FakeLLMServer.Responder = { prompt in
        let system = prompt.messages.first?.content ?? ""
        guard system.contains("novelty") else { return FakeLLMServer.numberedIdeas(prompt) }
        let score = 1 + (prompt.messages.last?.content.count ?? 0) % 10
        return #"{"novelty": \#(score), "feasibility": 5, "specificity": 6, "impact": \#(11 - score), "coherence": 8}"#
    }

    @Test func scoreWithJudgeAndTwoRatersReportsAgreementInJSONTextAndHTML() async throws {
        let fixture = try await Fixture()
        let server = try FakeLLMServer(responder: Self.judge)
        defer { server.stop() }
        let backends = try fixture.folder.write("backends.yaml", server.backendsYAML(kinds: [.openai]))
        // Scores that vary from idea to idea (in each rater's own shuffled order).
        let ana = (0..<8).map { "\($0 + 1)\n\(9 - $0)\n" }.joined()
        let ben = (0..<8).map { "\($0 * 3 % 10 + 1)\n5\n" }.joined()
        for (rater, answers) in [("ana", ana), ("ben", ben)] {
            let rated = try await CLIHarness.run(fixture.arguments(rater: rater), stdin: answers)
            #expect(rated.status == 0, "\(rated.stderr)")
        }
        let judged = ["score"] + fixture.inputs + ["--judge", "openai", "--reviews", "1", "--no-cache", "--no-save", "--backends", backends]
        let without = try await CLIHarness.run(judged)
        #expect(without.status == 0, "\(without.stderr)")
        #expect(without.stdout.contains("Judge–human agreement: unknown until ratings are given"))

        let ratings = ["--ratings", fixture.folder.path + "/ana.csv", fixture.folder.path + "/ben.csv"]
        let json = try await CLIHarness.run(judged + ratings + ["--json"])
        #expect(json.status == 0, "\(json.stderr)")
        try JSONOutputSchemaTests.expectConforms(json.stdout, to: "score")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let human = try #require(report["human_ratings"] as? [String: Any])
        #expect(human["raters"] as? [String] == ["ana", "ben"])
        #expect(human["ratings"] as? Int == 2 * 8 * 2)
        let agreement = try #require(human["agreement"] as? [[String: Any]])
        #expect(agreement.map { $0["dimension"] as? String } == ["novelty", "impact"])
        let spearman = try #require(agreement.first?["judge_spearman"] as? [String: Any])
        #expect(spearman["ideas"] as? Int == 8)
        #expect(agreement.first?["raters_alpha"] != nil)

        let html = fixture.folder.path + "/report.html"
        let text = try await CLIHarness.run(judged + ratings + ["--html", html])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("Human ratings (32 ratings by 2 raters on 8 ideas)"))
        #expect(text.stdout.contains("ρ judge–human"))
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.contains("novelty: judge vs people") && page.contains("judge mean") && page.contains("mean</text>"))
    }
}
