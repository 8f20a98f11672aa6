import Foundation
import Logging
import PolyphonyCore
import PolyphonyTranscript

/// Everything an ``Orchestrator`` needs to start or continue one session: the header, the
/// bound cast, the protocol and what an earlier run already recorded.
///
/// `polyphony run` and `polyphony experiment run` both build their sessions here, so a
/// session started either way records the same header.
public struct SessionPlan: Sendable {
    /// The header written first (or read back when resuming).
    public var header: SessionHeader
    /// The personas, bound to their backends.
    public var cast: Cast
    /// The protocol named in the header.
    public var protocolType: any IdeationProtocol.Type
    /// What an earlier run of this session recorded; empty for a new session.
    public var resume: ResumeState
    /// A recording whose human turns are played back instead of asking a person; set by ``rerun(recording:file:backend:)``.
    public var humanRecording: ResumeState? = nil

    /// The orchestrator for this plan.
    /// - Parameters:
    ///   - writer: Where events go; append to the same transcript when resuming.
    ///   - events: Live events for a terminal view, if any.
    ///   - human: The human slot, when the cast has a human seat.
    ///   - recordMessages: Store every prompt in full, not only its digest.
    ///   - logger: Passed to the orchestrator; logs nothing by default.
    public func orchestrator(
        writer: TranscriptWriter, events: AsyncStream<SessionEvent>.Continuation? = nil, human: HumanSlot? = nil,
        recordMessages: Bool = false, logger: Logger = .disabled
    ) -> Orchestrator {
        Orchestrator(
            header: header, cast: cast, protocol: protocolType.init(), writer: writer, events: events,
            human: human, resume: resume, recordMessages: recordMessages, humanRecording: humanRecording, logger: logger
        )
    }

    /// Plans a new session from a parsed session file.
    /// - Parameters:
    ///   - spec: The session; `spec.backendOverride` is honoured.
    ///   - library: Personas that seats name by id.
    ///   - personaDirectory: Where `library` was read from, for error messages.
    ///   - backend: Resolves a backends-file entry.
    ///   - seed: Overrides the session's seed; without either a random seed is recorded.
    ///   - sessionID: The id written into the header.
    ///   - toolVersion: The version of the tool writing the transcript.
    ///   - startedAt: When the session starts.
    ///   - humanTimeout: Overrides the session's human timeout.
    /// - Throws: ``PolyphonyError`` naming the session file when a seat or the protocol does not fit.
    public static func new(
        spec: SessionSpec, library: PersonaLoader.Library, personaDirectory: String,
        backend: @escaping SessionBinder.BackendLookup, seed: UInt64? = nil, sessionID: String,
        toolVersion: String, startedAt: Date = Date(), humanTimeout: Double? = nil
    ) throws -> SessionPlan {
        let cast = try SessionBinder(library: library, personaDirectory: personaDirectory, backend: backend).bind(spec)
        guard let protocolType = IdeationProtocols.named(spec.protocolName) else {
            throw PolyphonyError.invalidInput("unknown protocol '\(spec.protocolName)'", file: spec.file)
        }
        let header = SessionHeader(
            sessionId: sessionID, toolVersion: toolVersion, topic: spec.topic,
            protocolName: spec.protocolName, rounds: spec.rounds, participants: cast.everyone.map(\.snapshot),
            // Without a seed every run would hit the same cache entries; a recorded random seed keeps runs distinct and repeatable.
            seed: seed ?? spec.seed ?? UInt64.random(in: 1...UInt64(Int32.max)),
            startedAt: startedAt,
            limits: SessionLimits(
                maxTokensPerTurn: spec.maxTokensPerTurn, tokenBudget: spec.tokenBudget, ideasPerTurn: spec.ideasPerTurn,
                humanTimeoutSeconds: humanTimeout ?? spec.humanTimeoutSeconds),
            structuredOutput: spec.structuredOutput
        )
        return SessionPlan(header: header, cast: cast, protocolType: protocolType, resume: ResumeState())
    }

    /// Plans the continuation of a recorded session that did not complete.
    /// - Parameters:
    ///   - events: The transcript's events (a torn last line already dropped by the reader).
    ///   - file: The transcript, for error messages.
    ///   - backend: Resolves the backends the header names.
    ///   - humanTimeout: Overrides the recorded human timeout.
    /// - Throws: ``PolyphonyError`` when there is no header, the session already completed, or a
    ///   backend or the protocol is unknown.
    public static func resume(
        events: [TranscriptEvent], file: String, backend: @escaping SessionBinder.BackendLookup, humanTimeout: Double? = nil
    ) throws -> SessionPlan {
        let state = ResumeState(events: events)
        guard var header = state.header else {
            throw PolyphonyError.invalidInput("no session header to resume from", file: file, line: 1)
        }
        if state.lastEndStatus == .completed {
            throw PolyphonyError.invalidInput("this session already completed; there is nothing to resume", file: file)
        }
        if let humanTimeout {
            header.limits = (header.limits ?? SessionLimits())
            header.limits?.humanTimeoutSeconds = humanTimeout
        }
        let cast = try SessionBinder.bind(header: header, file: file, backend: backend)
        guard let protocolType = IdeationProtocols.named(header.protocolName) else {
            throw PolyphonyError.invalidInput("unknown protocol '\(header.protocolName)'", file: file, line: 1)
        }
        return SessionPlan(header: header, cast: cast, protocolType: protocolType, resume: state)
    }
}
