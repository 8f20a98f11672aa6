import Foundation
import PolyphonyCore

/// The person at the terminal: answers their turns and injects contributions at any time.
///
/// Lines arrive from stdin (a TTY, a pipe) or a `--human-script` file, through ``receive(_:)``.
/// A line `/inject TEXT` is queued for every agent whenever it arrives; every other line
/// belongs to the next turn the human takes. An answer ends at an empty line.
public actor HumanSlot {
    /// How a human turn ended.
    public enum Answer: Sendable, Equatable {
        /// Text typed, plus ideas stated explicitly with `/idea`.
        case text(String, ideas: [String])
        /// `/skip`, a timeout, or the end of input; the reason is recorded as a note.
        case skipped(reason: String)
        /// `/end`: finish the session cleanly.
        case end
    }

    private var lines: [String] = []
    private var injects: [String] = []
    private var inputEnded = false
    private var waiter: (id: Int, continuation: CheckedContinuation<String?, Never>)?
    private var nextWaiterID = 0
    private let display: @Sendable (String) -> Void

    /// - Parameter display: Shows prompts to the person (the terminal view decides where).
    public init(display: @escaping @Sendable (String) -> Void) {
        self.display = display
    }

    /// Delivers one typed line (without its newline).
    public func receive(_ line: String) {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("/inject ") || trimmed == "/inject" {
            let text = String(trimmed.dropFirst("/inject".count)).trimmingCharacters(in: .whitespaces)
            if !text.isEmpty { injects.append(text) }
            return
        }
        lines.append(line)
        wake()
    }

    /// Marks the end of input (EOF on stdin): later turns are skipped at once.
    public func finishInput() {
        inputEnded = true
        wake()
    }

    /// Takes the `/inject` lines typed since the last call.
    public func drainInjects() -> [String] {
        defer { injects.removeAll() }
        return injects
    }

    /// Shows `prompt` and collects the human's answer.
    /// - Parameter timeout: Skip the turn after this long without a complete answer.
    public func answer(prompt: String, timeout: Duration?) async -> Answer {
        display(prompt)
        let deadline = timeout.map { ContinuousClock.now + $0 }
        var body: [String] = []
        var ideas: [String] = []
        while true {
            guard let line = await nextLine(deadline: deadline) else {
                if Task.isCancelled { return .skipped(reason: "cancelled") }
                if !body.isEmpty || !ideas.isEmpty { break }
                return .skipped(reason: inputEnded ? "no more human input" : "no answer within the time limit")
            }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            switch trimmed {
            case "/skip":
                return .skipped(reason: "the human skipped this turn")
            case "/end":
                return .end
            case "" where body.isEmpty && ideas.isEmpty:
                continue
            case "":
                return .text(body.joined(separator: "\n"), ideas: ideas)
            default:
                if trimmed.hasPrefix("/idea ") {
                    let idea = String(trimmed.dropFirst("/idea ".count)).trimmingCharacters(in: .whitespaces)
                    if !idea.isEmpty { ideas.append(idea) }
                } else {
                    body.append(line)
                }
            }
        }
        return .text(body.joined(separator: "\n"), ideas: ideas)
    }

    /// The next buffered line, waiting for one until `deadline`; `nil` at the end of input,
    /// the deadline, or cancellation.
    private func nextLine(deadline: ContinuousClock.Instant?) async -> String? {
        if !lines.isEmpty { return lines.removeFirst() }
        if inputEnded || Task.isCancelled { return nil }
        nextWaiterID += 1
        let id = nextWaiterID
        let timer = deadline.map { deadline in
            Task { [weak self] in
                try? await Task.sleep(until: deadline, clock: .continuous)
                await self?.expire(id)
            }
        }
        defer { timer?.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                waiter = (id, continuation)
            }
        } onCancel: {
            Task { await self.expire(id) }
        }
    }

    private func wake() {
        guard let current = waiter else { return }
        waiter = nil
        if !lines.isEmpty {
            current.continuation.resume(returning: lines.removeFirst())
        } else if inputEnded {
            current.continuation.resume(returning: nil)
        } else {
            waiter = current
        }
    }

    private func expire(_ id: Int) {
        guard let current = waiter, current.id == id else { return }
        waiter = nil
        current.continuation.resume(returning: nil)
    }
}
