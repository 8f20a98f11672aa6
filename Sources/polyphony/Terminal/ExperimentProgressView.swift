import Foundation
import PolyphonyCore
import PolyphonyExperiments

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Shows an experiment's progress the way long-running tools do.
///
/// On a terminal: one status line (done/total, running, failed, tokens, ETA) redrawn in place
/// at the bottom, with a log line above it for each session that ends. Piped: a plain line
/// per event, so logs and CI output stay readable.
struct ExperimentProgressView: Sendable {
    /// Whether to redraw a status line in place.
    let redraws: Bool
    /// Where the output goes.
    let write: @Sendable (String) -> Void

    /// A view on stderr that redraws only when stderr is a terminal.
    static func standardError() -> ExperimentProgressView {
        ExperimentProgressView(redraws: isatty(STDERR_FILENO) == 1) { StandardError.write($0) }
    }

    /// Erases the status line, back to the start of the line.
    static let clearLine = "\r\u{1B}[2K"

    /// Shows one progress event.
    func show(_ progress: ExperimentProgress) {
        guard redraws else {
            write(Self.logLine(progress) + "\n")
            return
        }
        var text = Self.clearLine
        // Starts are visible in the status line's running count; ends and summaries stay in the log.
        if let latest = progress.latest, !latest.hasSuffix(": started"), !latest.hasSuffix(": resumed") {
            text += latest + "\n"
        }
        write(text + Self.statusLine(progress))
    }

    /// Leaves the terminal on a fresh line after the last status line.
    func finish() {
        if redraws { write(Self.clearLine) }
    }

    /// `[done/total] R running, F failed, ETA …, T tokens`.
    static func statusLine(_ progress: ExperimentProgress) -> String {
        let eta = progress.estimatedSecondsLeft.map { ", ETA \(duration($0))" } ?? ""
        return "[\(progress.finished)/\(progress.total)] \(progress.running) running, \(progress.failed) failed, \(progress.tokens) tokens\(eta)"
    }

    /// The status followed by what just happened, for piped output.
    static func logLine(_ progress: ExperimentProgress) -> String {
        statusLine(progress) + " — " + (progress.latest ?? "")
    }

    /// `45s`, `3m05s`, `2h07m`.
    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total >= 3600 { return "\(total / 3600)h\(String(format: "%02d", total % 3600 / 60))m" }
        if total >= 60 { return "\(total / 60)m\(String(format: "%02d", total % 60))s" }
        return "\(total)s"
    }
}
