import Foundation
import PolyphonyCore
import Testing

@Suite struct TranscriptCommandTests {
    static let header = #"{"participants":[{"id":"ada","persona":{"body":"You are Ada.","expertise":[],"id":"ada","name":"Ada","role":"member"}}],"protocol":"solo","rounds":1,"schema_version":1,"session_id":"s","started_at":"2026-11-29T10:00:00Z","tool_version":"t","topic":"Heat","type":"session"}"#
    static let turn = #"{"index":0,"kind":"agent","phase":"ideate","response":"1. Shade","round":1,"speaker":"ada","type":"turn"}"#

    @Test(arguments: [
        ([header, #"{"type":"idea","id":"i1"#], 2, "not valid JSON"),
        ([header, #"{"type":"idea","id":"i1","round":1,"text":"x","parents":[]}"#], 2, "missing field 'author'"),
        ([header, #"{"type":"vote"}"#], 2, "unknown event type 'vote'"),
        ([header.replacingOccurrences(of: #""schema_version":1"#, with: #""schema_version":9"#)], 1, "transcript schema version 9 is not supported"),
        ([turn], 1, "a transcript starts with a session event"),
        ([header, turn.replacingOccurrences(of: #""speaker":"ada""#, with: #""speaker":"bob""#)], 2, "turn by 'bob', who is not a participant"),
        ([header, turn, turn], 3, "turn index 0 appears twice"),
        ([header, #"{"author":"ada","id":"i2","parents":["i1"],"round":1,"text":"x","type":"idea"}"#], 2, "idea 'i2' builds on 'i1', which does not come before it"),
        ([header, turn.replacingOccurrences(of: #""round":1"#, with: #""round":"one""#)], 2, "field 'round' should be an integer"),
    ])
    func aMalformedTranscriptIsOneLineNamingFileAndLine(lines: [String], line: Int, message: String) async throws {
        let folder = try TemporaryFolder()
        let file = try folder.write("t.jsonl", lines.joined(separator: "\n") + "\n")
        let result = try await CLIHarness.run(["transcript", "validate", file])
        #expect(result.status == 65)
        #expect(result.stderr.hasPrefix("polyphony: \(file):\(line): \(message)"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test func aCutOffFinalLineIsAWarningAndTheRestIsValid() async throws {
        let folder = try TemporaryFolder()
        let file = try folder.write("t.jsonl", Self.header + "\n" + Self.turn + "\n" + #"{"type":"idea","au"#)
        let result = try await CLIHarness.run(["transcript", "validate", file])
        #expect(result.status == 0)
        #expect(result.stdout.contains("valid — 2 events, 1 turns"))
        #expect(result.stderr.contains("\(file):3: final line cut off mid-write"))
    }

    @Test func showPrintsWhoSaidWhatRoundByRound() async throws {
        let folder = try TemporaryFolder()
        let file = try folder.write("t.jsonl", Self.header + "\n" + Self.turn + "\n")
        let result = try await CLIHarness.run(["transcript", "show", file])
        #expect(result.status == 0)
        #expect(result.stdout.contains("== Round 1 =="))
        #expect(result.stdout.contains("Ada:\n  1. Shade"))
    }

    @Test func aFileWhoseOnlyLineIsCutOffIsNotATranscript() async throws {
        let folder = try TemporaryFolder()
        let file = try folder.write("t.jsonl", "hello world")
        let result = try await CLIHarness.run(["transcript", "validate", file])
        #expect(result.status == 65)
        #expect(result.stderr.hasSuffix("\(file): no complete session event (the only line is cut off)\n"))
    }

    @Test func aMissingFileIsOneLine() async throws {
        let result = try await CLIHarness.run(["transcript", "validate", "/nonexistent.jsonl"])
        #expect(result.status == 1)
        #expect(result.stderr == "polyphony: /nonexistent.jsonl: no such file\n")
    }
}
