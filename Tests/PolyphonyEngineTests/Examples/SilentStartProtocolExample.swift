import Foundation
import PolyphonyCore
import PolyphonyEngine
import PolyphonyTranscript
import Testing

// ARCHITECTURE.md, "Adding a protocol": this file is the worked example, compiled and run.
// It uses only Engine's public API (a plain `import`), as a protocol written outside the
// module would.

/// Silent start: the first round is brainwriting (everyone writes alone, at once), every later
/// round is an open discussion in turn, where each speaker sees everything said so far.
/// Paulus & Yang (2000) found that writing alone before talking keeps more ideas alive.
struct SilentStartProtocol: IdeationProtocol {
    static let name = "silent-start"
    static let summary = "write alone in round 1, then discuss in turn, each seeing everything said"

    init() {}

    static func validate(cast: Cast, rounds: Int) throws {
        guard !cast.members.isEmpty else {
            throw PolyphonyError.invalidInput("protocol 'silent-start' needs at least one participant")
        }
    }

    func run(in session: Orchestrator) async throws {
        _ = try await session.runPhase(round: 1, phase: "write", speakers: session.cast.members, parallel: true) { _ in
            TurnBrief(context: "", instruction: "Write your ideas on your own.", ideas: .list)
        }
        guard session.header.rounds > 1 else { return }
        for round in 2...session.header.rounds {
            _ = try await session.runPhase(round: round, phase: "discuss", speakers: session.cast.members, parallel: false) { _ in
                TurnBrief(
                    context: "The discussion so far:\n" + (await session.discussion()),
                    instruction: "Build on the ideas above or add new ones.", ideas: .list
                )
            }
        }
    }
}

@Suite struct SilentStartProtocolExample {
    @Test func theSilentRoundSeesNoOneAndTheDiscussionSeesTheSilentRound() async throws {
        let backend = RecordingBackend()
        let members = ["ada", "grace"].map { id in
            Participant(
                id: id, persona: Persona(id: id, name: id.capitalized, role: .member, expertise: [], body: "You are \(id)."),
                seat: .member, backend: backend, backendName: backend.name, model: nil, temperature: nil)
        }
        let cast = Cast(members: members)
        try SilentStartProtocol.validate(cast: cast, rounds: 2)
        let header = SessionHeader(
            sessionId: "example", toolVersion: "test", topic: "Keep city streets cool in heatwaves",
            protocolName: SilentStartProtocol.name, rounds: 2, participants: cast.everyone.map(\.snapshot), seed: 7,
            startedAt: Date(), limits: SessionLimits(ideasPerTurn: 2))
        let path = NSTemporaryDirectory() + "silent-start-\(UUID().uuidString).jsonl"
        let end = try await Orchestrator(
            header: header, cast: cast, protocol: SilentStartProtocol(), writer: try TranscriptWriter(path: path)
        ).run()

        #expect(end.status == .completed)
        let prompts = backend.prompts
        #expect(prompts.count == 4)
        // Round 1 is silent: neither writer sees the other's ideas.
        #expect(prompts.prefix(2).allSatisfy { !$0.contains("shade sails") && !$0.contains("cool roofs") })
        // Round 2 is a discussion: the second speaker sees both silent-round answers.
        #expect(prompts[3].contains("shade sails") && prompts[3].contains("cool roofs"))
    }
}

/// Answers each speaker with two ideas of its own, and keeps every prompt it was sent.
private final class RecordingBackend: ChatBackend, @unchecked Sendable {
    let name = "recording"
    let defaultModel = "recording-model"
    private let lock = NSLock()
    private var sent: [String] = []

    var prompts: [String] { lock.withLock { sent } }

    func complete(_ request: ChatRequest) async throws -> ChatResponse {
        let prompt = request.messages.map(\.content).joined(separator: "\n")
        let answer = prompt.contains("You are ada.") ? "1. shade sails over bus stops\n2. tree canopy targets" : "1. cool roofs on schools\n2. misting at markets"
        lock.withLock { sent.append(prompt) }
        return ChatResponse(text: answer, usage: TokenUsage(promptTokens: 10, completionTokens: 5), model: defaultModel, latencyMilliseconds: 1)
    }
}
