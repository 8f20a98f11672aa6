import Foundation
import PolyphonyCore

/// The person at the terminal: answers their turns and injects contributions at any time.
///
/// Typed lines arrive from stdin (a TTY, a pipe) through ``receive(_:)``: a line
/// `/inject TEXT` is queued for every agent whenever it arrives; every other line belongs to
/// the next turn the human takes. An answer ends at an empty line.
///
/// A scripted slot (``init(script:display:)``, `--human-script`) reads its ``HumanScript``
/// in session order instead: a turn takes the next answer only when it asks, and an inject
/// waits for the phase that follows the turn it stands after, so the same script gives the
/// same session every time, and a resumed session can skip exactly what was used.
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
    /// Tells the person what became of a command at once (an `/inject` queued).
    private let notice: @Sendable (String) -> Void
    /// Called when a typed turn's answer is complete, so the screen can show what it held back.
    private let answered: @Sendable () -> Void
    /// The script of a scripted slot, its read position, and injects read but not delivered.
    private let script: [HumanScript.Line]?
    private var cursor = 0
    private var pending: [(text: String, placement: HumanScript.Placement?)] = []
    /// What a typed turn's time limit is measured and waited on.
    private let clock: any Clock<Duration>
    private let stopwatch: Stopwatch

    /// A slot for a person typing (``receive(_:)``, ``finishInput()``).
    /// - Parameter display: Shows prompts to the person (the terminal view decides where).
    /// - Parameters:
    ///   - notice: Acknowledges commands typed outside a turn's answer (`/inject`).
    ///   - answered: Called when a turn's answer is complete (or skipped, or timed out).
    ///   - clock: What the time limit of ``answer(prompt:timeout:round:phase:)`` runs on; tests pass a manual clock.
    public init(
        display: @escaping @Sendable (String) -> Void, notice: @escaping @Sendable (String) -> Void = { _ in },
        answered: @escaping @Sendable () -> Void = {}, clock: any Clock<Duration> = ContinuousClock()
    ) {
        self.display = display
        self.notice = notice
        self.answered = answered
        self.script = nil
        self.clock = clock
        self.stopwatch = Stopwatch(clock)
    }

    /// A slot that answers from `script`, read in session order.
    /// - Parameter display: Shows the prompts, as for a person.
    public init(script: HumanScript, display: @escaping @Sendable (String) -> Void) {
        self.display = display
        self.notice = { _ in }
        self.answered = {}
        self.script = script.lines.map(HumanScript.classify)
        self.clock = ContinuousClock()
        self.stopwatch = Stopwatch(clock)
    }

    /// Whether answers come from a script: they are then ready at once, in session order.
    public var isScripted: Bool { script != nil }

    /// Delivers one typed line (without its newline).
    public func receive(_ line: String) {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("/inject ") || trimmed == "/inject" {
            let text = String(trimmed.dropFirst("/inject".count)).trimmingCharacters(in: .whitespaces)
            if text.isEmpty {
                notice("/inject needs text: /inject TEXT")
            } else {
                injects.append(text)
                notice("injected; it will reach every agent at the start of the next phase")
            }
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

    /// The injects to deliver at the start of phase `phase` of round `round`: for a typed
    /// slot everything typed since the last call; for a scripted one the injects read so far
    /// whose place has come, in script order.
    public func injects(dueAt round: Int, phase: String) -> [String] {
        guard script != nil else { return drainInjects() }
        readInjects()
        var due: [String] = []
        pending.removeAll { inject in
            guard inject.placement?.reached(round: round, phase: phase) ?? true else { return false }
            due.append(inject.text)
            return true
        }
        return due
    }

    /// The script lines no turn ever read (blank lines and markers aside): a script whose
    /// `@round`/`@phase` never came, or longer than the session. `nil` for a typed slot.
    public func unusedScriptLines() -> (count: Int, firstLine: Int)? {
        guard let script else { return nil }
        var count = 0
        var first: Int?
        for index in cursor..<script.count {
            guard case .text(let text) = script[index], !text.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            count += 1
            if first == nil { first = index + 1 }
        }
        return first.map { (count, $0) }
    }

    /// Moves a scripted slot past the answer of a turn an earlier run already recorded (or
    /// skipped), exactly as answering it did; a typed slot has nothing to skip.
    public func skipRecordedAnswer(round: Int, phase: String) {
        guard script != nil else { return }
        _ = scriptedAnswer(round: round, phase: phase)
    }

    /// Shows `prompt` and collects the human's answer.
    /// - Parameters:
    ///   - timeout: Skip the turn after this long without a complete answer (typed input only).
    ///   - round: The turn's round, for a script's placement markers.
    ///   - phase: The turn's phase, for a script's placement markers.
    public func answer(prompt: String, timeout: Duration?, round: Int = 0, phase: String = "") async -> Answer {
        display(prompt)
        if script != nil { return scriptedAnswer(round: round, phase: phase) }
        defer { answered() }
        let deadline = timeout.map { stopwatch.elapsed + $0 }
        var draft = AnswerDraft()
        while true {
            guard let line = await nextLine(deadline: deadline) else {
                // Whatever was typed is kept, even without its closing empty line: a Ctrl-C
                // or a deadline ends the turn, not the person's words.
                if let unfinished = draft.unfinished { return unfinished }
                if Task.isCancelled { return .skipped(reason: "cancelled") }
                return .skipped(reason: inputEnded ? "no more human input" : "no answer within the time limit")
            }
            if let answer = draft.take(line) { return answer }
        }
    }

    /// An answer being typed (or read from a script), line by line: the one grammar of both.
    struct AnswerDraft {
        private var body: [String] = []
        private var ideas: [String] = []

        /// Takes one line; returns the answer once it is complete.
        mutating func take(_ line: String) -> Answer? {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            switch trimmed {
            case "/skip":
                return .skipped(reason: "the human skipped this turn")
            case "/end":
                return .end
            case "":
                // Empty lines before anything was typed are not an answer.
                return body.isEmpty && ideas.isEmpty ? nil : .text(body.joined(separator: "\n"), ideas: ideas)
            default:
                if trimmed.hasPrefix("/idea ") {
                    let idea = String(trimmed.dropFirst("/idea ".count)).trimmingCharacters(in: .whitespaces)
                    if !idea.isEmpty { ideas.append(idea) }
                } else {
                    body.append(line)
                }
                return nil
            }
        }

        /// What was typed when input ended before the closing empty line, if anything.
        var unfinished: Answer? {
            body.isEmpty && ideas.isEmpty ? nil : .text(body.joined(separator: "\n"), ideas: ideas)
        }
    }

    // MARK: - Scripts

    /// The next answer of the script for a turn at (`round`, `phase`), then the injects that
    /// stand after it.
    private func scriptedAnswer(round: Int, phase: String) -> Answer {
        guard let script else { return .skipped(reason: "no more human input") }
        readInjects()
        var look = cursor
        var placement: HumanScript.Placement?
        scan: while look < script.count {
            switch script[look] {
            case .marker(let place):
                placement = (placement ?? HumanScript.Placement()).merged(with: place)
            case .text(let line) where line.trimmingCharacters(in: .whitespaces).isEmpty:
                break
            default:
                break scan
            }
            look += 1
        }
        guard look < script.count else {
            cursor = look
            return .skipped(reason: "no more human input")
        }
        if let placement, !placement.reached(round: round, phase: phase) {
            return .skipped(reason: "the script's next answer is for \(Self.describe(placement))")
        }
        cursor = look
        var draft = AnswerDraft()
        var answer: Answer?
        while answer == nil, cursor < script.count {
            let line = script[cursor]
            cursor += 1
            switch line {
            case .inject(let text):
                if !text.isEmpty { pending.append((text, nil)) }
            case .marker:
                continue
            case .text(let raw):
                answer = draft.take(raw)
            }
        }
        readInjects()
        return answer ?? draft.unfinished ?? .skipped(reason: "no more human input")
    }

    /// Reads the injects (with their markers) that stand at the read position: at the start
    /// of the script, or after the answer just read.
    private func readInjects() {
        guard let script else { return }
        while cursor < script.count {
            var look = cursor
            var placement: HumanScript.Placement?
            while look < script.count, case .marker(let place) = script[look] {
                placement = (placement ?? HumanScript.Placement()).merged(with: place)
                look += 1
            }
            guard look < script.count else { return }
            switch script[look] {
            case .inject:
                cursor = look
                while cursor < script.count, case .inject(let text) = script[cursor] {
                    if !text.isEmpty { pending.append((text, placement)) }
                    cursor += 1
                }
            case .text(let line) where placement == nil && line.trimmingCharacters(in: .whitespaces).isEmpty:
                cursor += 1
            default:
                return
            }
        }
    }

    private static func describe(_ placement: HumanScript.Placement) -> String {
        switch (placement.round, placement.phase) {
        case (let round?, let phase?): "round \(round) \(phase)"
        case (let round?, nil): "round \(round)"
        case (nil, let phase?): "phase \(phase)"
        case (nil, nil): "a later turn"
        }
    }

    // MARK: - Typed input

    /// The next buffered line, waiting for one until `deadline`; `nil` at the end of input,
    /// the deadline, or cancellation.
    /// `deadline` is an offset on ``stopwatch``.
    private func nextLine(deadline: Duration?) async -> String? {
        if !lines.isEmpty { return lines.removeFirst() }
        if inputEnded || Task.isCancelled { return nil }
        nextWaiterID += 1
        let id = nextWaiterID
        let timer = deadline.map { deadline in
            Task { [weak self, clock, stopwatch] in
                try? await clock.sleep(for: deadline - stopwatch.elapsed)
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
