import Foundation
import PolyphonyCore
import PolyphonyTranscript

extension ReplayBackend {
    /// A replay backend answering from the agent turns of a transcript file.
    /// - Parameters:
    ///   - path: The transcript (JSON lines); a final line cut off by a crash is skipped.
    ///   - backend: Only turns served by this backends-file entry, or every agent turn when `nil`.
    ///   - strictOrder: Require requests in exactly the recorded order.
    /// - Throws: ``PolyphonyError`` naming the file and line of a malformed event.
    public static func load(transcript path: String, backend: String? = nil, strictOrder: Bool = false) throws -> ReplayBackend {
        var turns: [TurnRecord] = []
        try TranscriptReader(path: path).forEach { event, _ in
            if case .turn(let turn) = event, backend == nil || turn.backend == backend { turns.append(turn) }
        }
        return ReplayBackend(turns: turns, name: backend ?? "replay", source: path, strictOrder: strictOrder)
    }
}
