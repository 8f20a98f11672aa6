import Foundation
import Synchronization

/// Passes streamed text to the consumer exactly once across retries.
///
/// When a stream breaks and the request is sent again, the new attempt starts from the
/// first token. The gate holds back text the consumer already has and releases only what
/// goes beyond it. If the retry's text differs from what was already shown (sampling
/// without a seed), the gate stops emitting deltas: the final ``ChatResponse`` text, which
/// is always the successful attempt's own, is then the only truth.
final class DeltaGate: Sendable {
    private struct State {
        var emitted = ""
        var attemptText = ""
        var caughtUp = true
        var diverged = false
    }

    private let state = Mutex(State())
    private let sink: @Sendable (String) -> Void

    init(sink: @escaping @Sendable (String) -> Void) { self.sink = sink }

    /// All text of the current attempt so far.
    var attemptText: String { state.withLock { $0.attemptText } }

    /// Begins a new attempt: its text starts empty and must catch up with what was emitted.
    func startAttempt() {
        state.withLock {
            $0.attemptText = ""
            $0.caughtUp = $0.emitted.isEmpty
        }
    }

    /// Adds `delta` to the current attempt and forwards whatever part the consumer has not seen.
    func offer(_ delta: String) {
        let piece: String? = state.withLock { state in
            state.attemptText += delta
            if state.diverged { return nil }
            if state.caughtUp {
                state.emitted += delta
                return delta
            }
            let emittedCount = state.emitted.utf8.count
            if state.attemptText.utf8.count < emittedCount {
                if !state.emitted.hasPrefix(state.attemptText) { state.diverged = true }
                return nil
            }
            guard state.attemptText.hasPrefix(state.emitted) else {
                state.diverged = true
                return nil
            }
            let rest = String(decoding: Array(state.attemptText.utf8.dropFirst(emittedCount)), as: UTF8.self)
            state.emitted = state.attemptText
            state.caughtUp = true
            return rest.isEmpty ? nil : rest
        }
        if let piece { sink(piece) }
    }
}
