import Foundation
import PolyphonyCore
import PolyphonyTranscript

/// How `polyphony score` names the group each input file's ideas fall in, so that two
/// sessions of one protocol can be compared side by side.
///
/// A label chosen for a file (`--group PATH=LABEL`) wins; otherwise a transcript's ideas are
/// grouped by ``key`` (its protocol by default). An idea list's rows keep their own `group`
/// column; rows without one take the file's label, else the list's base name.
public struct IdeaGrouping: Sendable, Hashable {
    /// What names a transcript's group when no label was chosen for it.
    public enum Key: String, Sendable, Hashable, CaseIterable {
        /// The file's base name without extension (the path as given when two inputs share a base name).
        case file
        /// The session's protocol name: `brainwriting`, `leader-led`, …
        case `protocol`
        /// The session id from the transcript's header.
        case session
    }

    /// What names a transcript's group when no label was chosen for it.
    public var key: Key
    /// Labels chosen per input file, keyed by the file's standardized absolute path.
    public private(set) var labels: [String: String] = [:]
    /// The paths the labels were given as, for messages.
    private var givenPaths: [String: String] = [:]

    /// Groups transcripts by `key`, with no labels chosen.
    public init(key: Key = .protocol) {
        self.key = key
    }

    /// - Parameters:
    ///   - key: What names a transcript's group when no label was chosen for it.
    ///   - labels: `(path, label)` pairs, as parsed by ``parseLabel(_:)``.
    /// - Throws: ``PolyphonyError/invalidInput(_:file:line:)`` when one file is given two labels.
    public init(key: Key = .protocol, labels: [(path: String, label: String)]) throws {
        self.key = key
        for (path, label) in labels {
            let standardized = Self.standardize(path)
            if let earlier = self.labels[standardized], earlier != label {
                throw PolyphonyError.invalidInput("--group gives \(path) two labels, '\(earlier)' and '\(label)'")
            }
            self.labels[standardized] = label
            givenPaths[standardized] = path
        }
    }

    /// Splits a `--group PATH=LABEL` argument at its last `=`.
    /// - Returns: `nil` when the argument holds no `=` (the older `--group LABEL` form).
    /// - Throws: ``PolyphonyError/invalidInput(_:file:line:)`` when the path or the label is empty.
    public static func parseLabel(_ argument: String) throws -> (path: String, label: String)? {
        guard let separator = argument.lastIndex(of: "=") else { return nil }
        let path = String(argument[..<separator])
        let label = String(argument[argument.index(after: separator)...]).trimmingCharacters(in: .whitespaces)
        guard !path.isEmpty, !label.isEmpty else {
            throw PolyphonyError.invalidInput("--group '\(argument)' needs the form PATH=LABEL, both non-empty")
        }
        return (path, label)
    }

    /// The label chosen for the file at `path`, if any.
    public func label(for path: String) -> String? {
        labels[Self.standardize(path)]
    }

    /// The group of a transcript's ideas.
    /// - Parameter fileName: What ``Key/file`` names it (see ``fileNames(for:)``).
    public func group(forTranscript path: String, header: SessionHeader, fileName: String) -> String {
        if let label = label(for: path) { return label }
        switch key {
        case .file: return fileName
        case .protocol: return header.protocolName
        case .session: return header.sessionId
        }
    }

    /// Labels given for files that are not among `inputs`: most likely a mistyped path.
    public func unmatchedPaths(inputs: [String]) -> [String] {
        let known = Set(inputs.map(Self.standardize))
        return labels.keys.filter { !known.contains($0) }.sorted().map { givenPaths[$0] ?? $0 }
    }

    /// Each path's base name without extension, or the path as given where two inputs share
    /// a base name, so ``Key/file`` never puts two files in one group by accident.
    public static func fileNames(for paths: [String]) -> [String: String] {
        let names = paths.map { (($0 as NSString).lastPathComponent as NSString).deletingPathExtension }
        var counts: [String: Int] = [:]
        for name in names { counts[name, default: 0] += 1 }
        var result: [String: String] = [:]
        for (path, name) in zip(paths, names) { result[path] = counts[name] == 1 ? name : path }
        return result
    }

    static func standardize(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }
}
