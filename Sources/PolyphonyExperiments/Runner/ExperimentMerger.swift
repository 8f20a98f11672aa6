import Foundation
import PolyphonyCore

/// Combines experiment folders of one grid (e.g. the slices of `--shard i/n` jobs) into one.
public struct ExperimentMerger: Sendable {
    /// A merger; it keeps no state.
    public init() {}

    /// What a merge did.
    public struct Result: Sendable, Hashable {
        /// Completed transcripts copied.
        public var completed: Int
        /// Unfinished transcripts copied (no completed copy exists); `experiment run` on the
        /// merged folder resumes them.
        public var unfinished: Int
        /// Runs of the grid with no transcript anywhere.
        public var missing: Int
    }

    /// Copies every run's best transcript from `folders` into `destination` and writes its manifest.
    /// - Throws: ``PolyphonyError`` for folders of different grids, a destination that holds
    ///   another experiment or a transcript that differs from the one being merged, or I/O failures.
    public func merge(_ folders: [String], into destination: String) throws -> Result {
        let experiment = try ExperimentFolders.open(folders)
        let manifest = experiment.manifest
        try manifest.write(folder: destination)
        var result = Result(completed: 0, unfinished: 0, missing: 0)
        let manager = FileManager.default
        for entry in manifest.runs {
            let target = (destination as NSString).appendingPathComponent(entry.transcript)
            let source: String
            if let path = experiment.completed[entry.id] {
                source = path
                result.completed += 1
            } else if let path = experiment.unfinished[entry.id]?.first {
                source = path
                result.unfinished += 1
            } else {
                result.missing += 1
                continue
            }
            // The destination may be one of the folders merged: a file is never copied onto itself.
            if let identity = FileIdentity(path: target), identity == FileIdentity(path: source) { continue }
            if manager.fileExists(atPath: target) {
                if manager.contentsEqual(atPath: source, andPath: target) { continue }
                if try ExperimentRunner.recordedEnd(target)?.status == .completed {
                    throw PolyphonyError.invalidInput("already holds a different completed transcript of run '\(entry.id)'; merge into an empty folder", file: target)
                }
            }
            // Replaces an unfinished copy whole, so a crash leaves the old or the new transcript.
            try AtomicFile.copy(source, to: target)
        }
        return result
    }
}
