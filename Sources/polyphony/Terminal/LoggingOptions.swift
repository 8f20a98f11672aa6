import ArgumentParser
import Foundation
import Logging

/// `--log-level`, for the commands that talk to models or write transcripts.
///
/// Off by default. Log lines go to stderr, so stdout, `--json` output and the live view are
/// the same with or without it.
struct LoggingOptions: ParsableArguments {
    /// What `--log-level` and `POLYPHONY_LOG_LEVEL` accept: swift-log's levels, and `off`.
    enum Level: String, CaseIterable, ExpressibleByArgument {
        case off, trace, debug, info, notice, warning, error, critical
    }

    /// Read when `--log-level` is not given.
    static let environmentVariable = "POLYPHONY_LOG_LEVEL"

    @Option(help: ArgumentHelp(
        "Log on stderr at this level and above: off, trace, debug, info, notice, warning, error, critical. info shows failed attempts, retries and backoff (timeouts included) and how sessions end; debug adds cache hits, waits for a request slot and every turn (default: $POLYPHONY_LOG_LEVEL, else off).",
        valueName: "level"
    ))
    var logLevel: Level?

    func validate() throws {
        _ = try level(environment: ProcessInfo.processInfo.environment)
    }

    /// `--log-level`, else the environment variable, else `off`.
    /// - Throws: `ValidationError` (a usage error) when the variable holds no level.
    func level(environment: [String: String]) throws -> Level {
        if let logLevel { return logLevel }
        guard let value = environment[Self.environmentVariable]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
            return .off
        }
        guard let level = Level(rawValue: value.lowercased()) else {
            throw ValidationError(
                "\(Self.environmentVariable) must be one of \(Level.allCases.map(\.rawValue).joined(separator: ", ")) (got '\(value)')")
        }
        return level
    }

    /// The logger a command hands down: silent when off, else one line per record on stderr.
    var logger: Logger {
        let level = (try? level(environment: ProcessInfo.processInfo.environment)) ?? .off
        guard level != .off, let threshold = Logger.Level(rawValue: level.rawValue) else {
            return Logger.disabled
        }
        return Logger(label: "polyphony", factory: { _ in StandardErrorLogHandler(logLevel: threshold) })
    }
}
