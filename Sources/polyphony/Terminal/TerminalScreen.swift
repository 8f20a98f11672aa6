import Foundation
import Synchronization

/// The one writer of a live session's screen, shared by the session view and the human seat.
///
/// While the person in the human seat is answering, everything else is held back: agents
/// that finish in the meantime would otherwise scroll the prompt (and what was typed) off the
/// screen. When the answer is in, the held output is shown under a one-line count.
final class TerminalScreen: Sendable {
    private struct State {
        var asking = false
        var held = ""
        var heldTurns = 0
    }

    private let state = Mutex(State())
    private let output: FileHandle

    init(output: FileHandle = .standardOutput) {
        self.output = output
    }

    /// Session output: shown now, or held while the human answers.
    /// - Parameter isTurn: Whether `text` completes a participant's turn (for the held count).
    func write(_ text: String, isTurn: Bool = false) {
        guard !text.isEmpty else { return }
        let shown: String? = state.withLock { state in
            guard state.asking else { return text }
            state.held += text
            if isTurn { state.heldTurns += 1 }
            return nil
        }
        if let shown { output.write(Data(shown.utf8)) }
    }

    /// Shows the human's prompt, last on the screen, and holds other output from now on.
    func ask(_ prompt: String) {
        state.withLock { $0.asking = true }
        output.write(Data((prompt + "\n> ").utf8))
    }

    /// A reply to something the human typed; shown at once, on its own line.
    func notice(_ text: String) {
        output.write(Data("  (\(text))\n> ".utf8))
    }

    /// The answer is in: show what was held back.
    func answered() {
        let (held, turns) = state.withLock { state -> (String, Int) in
            defer {
                state.asking = false
                state.held = ""
                state.heldTurns = 0
            }
            return (state.held, state.heldTurns)
        }
        guard !held.isEmpty else { return }
        let count = turns == 1 ? "1 answer" : "\(turns) answers"
        output.write(Data(("\n── \(count) came in while you wrote ──\n" + held).utf8))
    }
}
