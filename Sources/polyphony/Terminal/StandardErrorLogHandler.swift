import Foundation
import Logging
import PolyphonyCore

/// Writes each log record as one line on stderr: `polyphony: LEVEL: MESSAGE key=value …`,
/// metadata keys sorted, so a line reads the same in every run.
///
/// Only the executable makes one (``LoggingOptions``); libraries take the `Logger` they are given.
struct StandardErrorLogHandler: LogHandler {
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    init(logLevel: Logger.Level) {
        self.logLevel = logLevel
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, explicit in explicit }
        var line = "polyphony: \(event.level): \(event.message)"
        for key in merged.keys.sorted() {
            line += " \(key)=\(merged[key].map { "\($0)" } ?? "")"
        }
        // A provider's error text may carry line breaks; a log record stays one line.
        let flat = line.split(whereSeparator: { $0.isNewline }).joined(separator: " ")
        // One write per line, so lines from concurrent tasks never interleave mid-line.
        StandardError.writeLine(flat)
    }
}
