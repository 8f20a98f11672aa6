import Foundation
import PolyphonyCore
import PolyphonyTranscript
import Synchronization

/// Answers from a transcript's recorded agent turns instead of a model server, and fails
/// loudly when a re-run asks something the recording did not.
///
/// Each request is matched by its messages digest (``ChatRequest/messagesDigest(_:)``)
/// against the turns not yet used, earliest first: parallel phases send their requests in
/// no fixed order, so a replay cannot insist on the recorded order, but identical requests
/// are answered in recorded order and every recorded turn is answered at most once.
/// With `strictOrder`, the request must match the very next recorded turn instead, for
/// sessions without parallel phases.
public final class ReplayBackend: ChatBackend {
    public let name: String
    /// The model name reported as the default.
    public let defaultModel: String
    private let source: String?
    private let strictOrder: Bool
    private let turns: [TurnRecord]
    private let used: Mutex<[Bool]>

    /// - Parameters:
    ///   - turns: Recorded turns; human turns and turns without a digest or messages are skipped.
    ///   - name: The backend name errors mention.
    ///   - defaultModel: Reported as the default model.
    ///   - source: The transcript path, named in errors.
    ///   - strictOrder: Require requests in exactly the recorded order.
    public init(turns: [TurnRecord], name: String = "replay", defaultModel: String = "replay", source: String? = nil, strictOrder: Bool = false) {
        self.strictOrder = strictOrder
        self.turns = turns.filter { $0.kind == .agent && ($0.messagesDigest != nil || $0.messages != nil) }
        self.name = name
        self.defaultModel = defaultModel
        self.source = source
        self.used = Mutex(Array(repeating: false, count: self.turns.count))
    }

    /// Recorded turns not answered yet.
    public var remaining: Int { used.withLock { $0.filter { !$0 }.count } }

    public func complete(_ request: ChatRequest) async throws -> ChatResponse {
        let digest = ChatRequest.messagesDigest(request.messages)
        let match: Int? = used.withLock { used in
            for (index, turn) in turns.enumerated() where !used[index] {
                if Self.digest(of: turn) == digest {
                    used[index] = true
                    return index
                }
                if strictOrder { return nil }
            }
            return nil
        }
        guard let match else {
            let next = used.withLock { used in used.firstIndex(of: false) }
            let expected = next.map { "the next unanswered recorded turn is #\(turns[$0].index) by \(turns[$0].speaker) in round \(turns[$0].round) (digest \(Self.digest(of: turns[$0]).prefix(12)))" }
                ?? "every recorded turn has been answered"
            throw PolyphonyError.replayDiverged(
                "replay diverged: a request (messages digest \(digest.prefix(12)), \(request.messages.count) messages) matches no unanswered recorded turn; \(expected)",
                file: source
            )
        }
        let turn = turns[match]
        return ChatResponse(
            text: turn.response, finishReason: turn.finishReason ?? .stop, usage: turn.usage ?? TokenUsage(),
            model: turn.model, latencyMilliseconds: 0, attempts: 0
        )
    }

    private static func digest(of turn: TurnRecord) -> String {
        turn.messagesDigest ?? ChatRequest.messagesDigest(turn.messages ?? [])
    }
}
