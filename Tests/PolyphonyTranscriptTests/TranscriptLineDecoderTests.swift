import Foundation
import Testing
import PolyphonyCore
@testable import PolyphonyTranscript

/// The fast line decoder is held to the `JSONDecoder` path it replaced (`decoding: .reference`):
/// the same events, the same warnings, the same errors, line for line.
@Suite struct TranscriptLineDecoderTests {
    private static let at = Date(timeIntervalSince1970: 1_800_000_000)

    private static let header = SessionHeader(
        sessionId: "s1", toolVersion: "test", topic: "Cooler cities", protocolName: "brainwriting", rounds: 2,
        participants: [ParticipantSnapshot(id: "ada", persona: Persona(id: "ada", name: "Ada", role: .member, body: "You are Ada."), backend: "local", model: "m")],
        seed: 7, startedAt: at, limits: SessionLimits(ideasPerTurn: 3), structuredOutput: true
    )

    /// Every event kind, every optional field both present and absent, and text that needs escapes.
    private static let events: [TranscriptEvent] = [
        .session(header),
        .turn(TurnRecord(
            index: 0, round: 1, phase: "ideate", speaker: "ada", kind: .agent, backend: "local", model: "m",
            messages: [.system("You are \"Ada\".\n\tBe brief."), .user("Ideas for cooler cities? ☀️ → 🌳"), .assistant("1. Shade")],
            messagesDigest: String(repeating: "ab", count: 32), response: "1. Shade\n2. Trees \\ parks / roofs",
            finishReason: .contentFilter, usage: TokenUsage(promptTokens: 10, completionTokens: nil), latencyMs: 12.345_678_9,
            attempts: 2, cached: false, at: at.addingTimeInterval(1)
        )),
        .turn(TurnRecord(index: 1, round: 1, phase: "ideate", speaker: "you", kind: .human, response: "", cached: true)),
        .turn(TurnRecord(index: 2, round: 2, phase: "vote", speaker: "ada", kind: .agent, response: "x", usage: TokenUsage(), latencyMs: 1e-7)),
        .idea(IdeaRecord(id: "i1", author: "ada", round: 1, text: "Shade \u{0}\u{1F}\u{7F} über Straßen 🌳", turn: 0)),
        .idea(IdeaRecord(id: "i2", author: "you", round: 2, text: "Trees", parents: ["i1", "i0"])),
        .note(NoteRecord(text: "retry after HTTP 429", round: 1, at: at)),
        .note(NoteRecord(text: "")),
        .end(EndRecord(status: .interrupted, reason: "SIGINT", totals: .init(turns: 3, ideas: 2, promptTokens: 10, completionTokens: 0), at: at)),
    ]

    /// Lines another writer (or a hand) might produce: spacing, `null`s, key order, other
    /// date and number spellings, unknown keys, escapes the writer never emits.
    private static let handWritten: [String] = [
        #" { "type" : "idea" , "text" : "spaced" , "round" : 3 , "parents" : [ ] , "author" : "ada" , "id" : "i9" , "turn" : null } "#,
        #"{"type":"note","text":"\u00e9\ud83c\udf33\/\b\f\r","round":null,"at":"2026-11-29T14:33:26.250Z"}"#,
        #"{"type":"note","text":"offset date","at":"2026-11-29T16:33:26+02:00"}"#,
        #"{"type":"turn","index":7,"round":-0,"phase":"p","speaker":"s","kind":"agent","response":"r","latency_ms":1.5E+3,"usage":{"prompt_tokens":null}}"#,
        #"{"type":"turn","index":8,"round":1,"phase":"p","speaker":"s","kind":"agent","response":"r","latency_ms":123456789012345678901234567890}"#,
        #"{"type":"idea","id":"i10","author":"a","round":1,"text":"extra key","parents":[],"mood":"happy"}"#,
        #"{"type":"idea","id":"i11","author":"a","round":1.0,"text":"round as a fraction","parents":[]}"#,
        #"{"type":"idea","id":"i12","author":"a","round":1,"text":"first","text":"duplicate key","parents":[]}"#,
        #"{"type":"idea","id":"i13","author":"a","round":1,"text":"a key of another kind","parents":[],"kind":"robot","index":"x"}"#,
        #"{"type":"end","status":"completed","totals":{"turns":1,"ideas":1,"prompt_tokens":2,"completion_tokens":3},"reason":null}"#,
    ]

    private func encoded(_ event: TranscriptEvent) throws -> String {
        String(decoding: try TranscriptCoding.makeEncoder().encode(event), as: UTF8.self)
    }

    private func file(_ lines: [String], trailingNewline: Bool = true) throws -> String {
        let path = NSTemporaryDirectory() + "line-decoder-\(UUID().uuidString).jsonl"
        try Data((lines.joined(separator: "\n") + (trailingNewline ? "\n" : "")).utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// What a read gives, as text that tells apart events, warnings and errors: the events
    /// re-encoded (so strings compare code unit by code unit, not by canonical equivalence).
    private func outcome(_ path: String, _ decoding: TranscriptReader.Decoding, chunkSize: Int = 1 << 20) -> [String] {
        do {
            var lines: [String] = []
            let summary = try TranscriptReader(path: path, chunkSize: chunkSize, decoding: decoding).forEach { event, number in
                lines.append("\(number): " + ((try? encoded(event)) ?? "unencodable"))
            }
            return lines + ["events \(summary.events) truncated \(summary.truncated)"] + summary.warnings
        } catch {
            return ["error: \(error)"]
        }
    }

    @Test func theFastReaderGivesTheReferenceEventsForEveryKindAndACutFinalLine() throws {
        let cut = String(try encoded(Self.events[1]).prefix(40))
        let lines = try Self.events.map(encoded) + Self.handWritten + [cut]
        let path = try file(lines, trailingNewline: false)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fast = outcome(path, .fast)
        #expect(fast == outcome(path, .reference))
        #expect(fast.count == lines.count + 1)  // every complete line, the count, the cut-line warning
        #expect(fast.last?.hasSuffix(":\(lines.count): final line cut off mid-write (40 bytes); ignored") == true)
        // Lines split across reads come out the same as whole ones.
        #expect(outcome(path, .fast, chunkSize: 7) == fast)
    }

    @Test func theFastDecoderTakesEveryEventKindButTheHeader() throws {
        for event in Self.events {
            let decoded = Data(try encoded(event).utf8).withUnsafeBytes(TranscriptLineDecoder.event)
            if case .session = event {
                #expect(decoded == nil)
            } else {
                #expect(decoded == event)
            }
        }
    }

    @Test func linesTheFastDecoderIsUnsureOfAreLeftToJSONDecoder() {
        for line in Self.handWritten.suffix(5).dropLast() {
            #expect(Data(line.utf8).withUnsafeBytes(TranscriptLineDecoder.event) == nil, "\(line)")
        }
    }

    @Test func damagedLinesGiveTheReferenceErrorNamingFileAndLine() throws {
        let good = try encoded(Self.events[1])
        var damaged: [String] = []
        // Every prefix of a turn line, and every byte of it replaced by characters that break JSON or its types.
        for length in stride(from: 0, to: good.utf8.count, by: 3) { damaged.append(String(decoding: Array(good.utf8).prefix(length), as: UTF8.self)) }
        for (index, _) in good.utf8.enumerated() where index % 5 == 0 {
            for replacement: UInt8 in [0x22, 0x7D, 0x31, 0x5C, 0x20, 0x01] {
                var bytes = Array(good.utf8)
                bytes[index] = replacement
                damaged.append(String(decoding: bytes, as: UTF8.self))
            }
        }
        damaged += [
            #"{"type":"idea","id":"i1","author":"a","round":1,"text":"x"}"#,
            #"{"type":"idea","id":"i1","author":"a","round":null,"text":"x","parents":[]}"#,
            #"{"type":"idea","id":"i1","author":"a","round":99999999999999999999,"text":"x","parents":[]}"#,
            #"{"type":"note","text":"\ud800"}"#,
            #"{"type":"note","text":"x","at":"yesterday"}"#,
            #"{"type":"vote"}"#,
            #"{"type":"end","status":"completed","totals":{"turns":1}}"#,
            "[]", "",
        ]
        let header = try encoded(Self.events[0])
        var checked = 0
        for line in damaged {
            let path = try file([header, line])
            defer { try? FileManager.default.removeItem(atPath: path) }
            let fast = outcome(path, .fast)
            #expect(fast == outcome(path, .reference), "\(line)")
            if fast.first?.hasPrefix("error:") == true {
                #expect(fast.first?.contains("\(path):2") == true, "\(fast)")
                checked += 1
            }
        }
        #expect(checked > damaged.count / 4)
    }
}
