import PolyphonyCore
import PolyphonyTranscript

/// What a running session reports to the terminal view and to `--json-events`.
///
/// Recorded events are already durable in the transcript when they are reported.
public enum SessionEvent: Sendable {
    /// A phase begins; `parallel` phases run their speakers concurrently.
    case phaseStarted(round: Int, phase: String, speakers: [String], parallel: Bool)
    /// A participant starts speaking.
    case turnStarted(speaker: String, round: Int, phase: String)
    /// Streamed text from a speaker in a sequential phase.
    case delta(speaker: String, text: String)
    /// An event written to the transcript.
    case recorded(TranscriptEvent)
    /// Something the person at the terminal must hear now, even while typing an answer
    /// (a speaker failed, and the session ends once the others finish). Not recorded.
    case notice(String)
}
