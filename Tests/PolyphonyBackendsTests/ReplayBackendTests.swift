import Foundation
import PolyphonyBackends
import PolyphonyCore
import PolyphonyTranscript
import Testing

/// Replay answers recorded turns and refuses requests the recording never saw.
@Suite struct ReplayBackendTests {
    private func turn(_ index: Int, _ messages: [ChatMessage], _ response: String) -> TurnRecord {
        TurnRecord(
            index: index, round: 1, phase: "ideate", speaker: "a\(index)", kind: .agent, model: "m",
            messagesDigest: ChatRequest.messagesDigest(messages), response: response, finishReason: .stop,
            usage: TokenUsage(promptTokens: 3, completionTokens: 4)
        )
    }

    @Test func answersRecordedTurnsByMessagesDigest() async throws {
        let first = [ChatMessage.user("one")]
        let second = [ChatMessage.user("two")]
        let replay = ReplayBackend(turns: [turn(0, first, "answer one"), turn(1, second, "answer two")])
        // Parallel phases may ask in another order than recorded.
        #expect(try await replay.complete(ChatRequest(messages: second)).text == "answer two")
        #expect(try await replay.complete(ChatRequest(messages: first)).text == "answer one")
        #expect(replay.remaining == 0)
    }

    @Test func strictOrderRefusesARequestOutOfRecordedOrder() async throws {
        let first = [ChatMessage.user("one")]
        let second = [ChatMessage.user("two")]
        let replay = ReplayBackend(turns: [turn(0, first, "answer one"), turn(1, second, "answer two")], strictOrder: true)
        await #expect(throws: PolyphonyError.replayDiverged) { try await replay.complete(ChatRequest(messages: second)) }
        #expect(try await replay.complete(ChatRequest(messages: first)).text == "answer one")
        #expect(try await replay.complete(ChatRequest(messages: second)).text == "answer two")
    }

    @Test func identicalRequestsGetTheirRecordedAnswersInOrder() async throws {
        let same = [ChatMessage.user("same")]
        let replay = ReplayBackend(turns: [turn(0, same, "first"), turn(1, same, "second")])
        #expect(try await replay.complete(ChatRequest(messages: same)).text == "first")
        #expect(try await replay.complete(ChatRequest(messages: same)).text == "second")
    }

    @Test func aDivergedRequestFailsLoudly() async throws {
        let replay = ReplayBackend(turns: [turn(0, [.user("recorded")], "answer")], source: "t.jsonl")
        let error = await #expect(throws: PolyphonyError.replayDiverged) {
            try await replay.complete(ChatRequest(messages: [.user("something else")]))
        }
        #expect(error?.file == "t.jsonl")
        // Which recorded turn was expected is told only in the message.
        #expect(error?.message.contains("#0 by a0") == true)
    }

    @Test func runningPastTheRecordingFails() async throws {
        let messages = [ChatMessage.user("once")]
        let replay = ReplayBackend(turns: [turn(0, messages, "answer")])
        _ = try await replay.complete(ChatRequest(messages: messages))
        await #expect(throws: PolyphonyError.replayDiverged) { try await replay.complete(ChatRequest(messages: messages)) }
    }

    @Test func matchesTurnsRecordedWithOnlyTheirMessages() async throws {
        let messages = [ChatMessage.system("s/with a slash"), ChatMessage.user("u")]
        let recorded = TurnRecord(index: 0, round: 1, phase: "p", speaker: "a", kind: .agent, messages: messages, response: "r")
        let replay = ReplayBackend(turns: [recorded])
        #expect(try await replay.complete(ChatRequest(messages: messages)).text == "r")
    }
}
