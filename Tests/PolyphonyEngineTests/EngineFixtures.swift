import Foundation
import PolyphonyCore
import PolyphonyTranscript
import Synchronization
@testable import PolyphonyEngine

/// A closure-backed backend for orchestration unit tests. HTTP itself is tested against a
/// real loopback server in the backends and CLI tests.
final class ScriptedBackend: ChatBackend {
    let name: String
    let defaultModel = "scripted-model"
    private let answer: @Sendable (ChatRequest) async throws -> String
    private let log = Mutex<[ChatRequest]>([])

    init(name: String = "scripted", answer: @escaping @Sendable (ChatRequest) async throws -> String = ScriptedBackend.numberedIdeas) {
        self.name = name
        self.answer = answer
    }

    /// Three ideas naming the speaker's system prompt's first word and a counter.
    static let numberedIdeas: @Sendable (ChatRequest) async throws -> String = { request in
        let who = request.messages.first?.content.split(separator: " ").dropFirst(2).first.map(String.init) ?? "someone"
        let seed = request.seed ?? 0
        return "1. \(who) suggests planting trees along street \(seed % 97)\n2. \(who) suggests reflective roofs on block \(seed % 89)\n3. \(who) suggests misting stations at stop \(seed % 83)"
    }

    var requests: [ChatRequest] { log.withLock { $0 } }

    func complete(_ request: ChatRequest) async throws -> ChatResponse {
        log.withLock { $0.append(request) }
        let text = try await answer(request)
        return ChatResponse(text: text, usage: TokenUsage(promptTokens: 10, completionTokens: 5), model: defaultModel, latencyMilliseconds: 1)
    }
}

enum EngineFixtures {
    static func persona(_ id: String, role: Persona.Role = .member, expertise: [String] = []) -> Persona {
        Persona(id: id, name: id.capitalized, role: role, expertise: expertise, body: "You are \(id.capitalized), a participant.")
    }

    static func participant(_ id: String, seat: ParticipantSnapshot.Seat = .member, backend: any ChatBackend, role: Persona.Role = .member) -> Participant {
        Participant(id: id, persona: persona(id, role: role), seat: seat, backend: role == .human ? nil : backend, backendName: role == .human ? nil : backend.name, model: nil, temperature: nil)
    }

    static func header(_ protocolName: String, rounds: Int, cast: Cast, budget: Int? = nil) -> SessionHeader {
        SessionHeader(
            sessionId: "test-\(UUID().uuidString.prefix(8))", toolVersion: "test", topic: "Keep city streets cool in heatwaves",
            protocolName: protocolName, rounds: rounds, participants: cast.everyone.map(\.snapshot), seed: 42,
            startedAt: Date(), limits: SessionLimits(tokenBudget: budget, ideasPerTurn: 3)
        )
    }

    static func temporaryTranscript() -> String {
        NSTemporaryDirectory() + "engine-\(UUID().uuidString).jsonl"
    }

    /// Runs a whole session and returns the transcript's events.
    static func run(
        _ protocolType: any IdeationProtocol.Type, cast: Cast, rounds: Int, budget: Int? = nil,
        human: HumanSlot? = nil, path: String = temporaryTranscript()
    ) async throws -> [TranscriptEvent] {
        try protocolType.validate(cast: cast, rounds: rounds)
        let writer = try TranscriptWriter(path: path)
        let orchestrator = Orchestrator(header: header(protocolType.name, rounds: rounds, cast: cast, budget: budget), cast: cast, protocol: protocolType.init(), writer: writer, human: human)
        try await orchestrator.run()
        return try TranscriptReader(path: path).readAll().events
    }
}

extension Array where Element == TranscriptEvent {
    var turns: [TurnRecord] { compactMap { if case .turn(let turn) = $0 { turn } else { nil } } }
    var ideas: [IdeaRecord] { compactMap { if case .idea(let idea) = $0 { idea } else { nil } } }
    var notes: [NoteRecord] { compactMap { if case .note(let note) = $0 { note } else { nil } } }
    var end: EndRecord? { compactMap { if case .end(let end) = $0 { end } else { nil } }.last }
}
