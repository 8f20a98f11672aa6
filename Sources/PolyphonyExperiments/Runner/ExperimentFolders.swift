import Foundation
import PolyphonyCore

/// One or more experiment folders of the same grid (an unsharded run, or the slices of a
/// sharded one), read together: which run's completed transcript lives where.
public struct ExperimentFolders: Sendable {
    /// The shared manifest.
    public var manifest: ExperimentManifest
    /// The grid, parsed back from the manifest (for its scoring settings).
    public var grid: ExperimentGrid
    /// Run id → path of its completed transcript, from the first folder that has one.
    public var completed: [String: String]
    /// Run id → paths of started but unfinished transcripts (no completed one anywhere).
    public var unfinished: [String: [String]]

    /// Reads the manifests of `folders` and finds every run's transcript.
    /// - Throws: ``PolyphonyError`` when a folder is no experiment folder or the folders
    ///   come from different grid files.
    public static func open(_ folders: [String]) throws -> ExperimentFolders {
        guard let firstFolder = folders.first else {
            throw PolyphonyError.invalidInput("give at least one experiment folder")
        }
        let manifest = try ExperimentManifest.read(folder: firstFolder)
        var completed: [String: String] = [:]
        var unfinished: [String: [String]] = [:]
        for folder in folders {
            let other = try ExperimentManifest.read(folder: folder)
            guard other.gridDigest == manifest.gridDigest else {
                throw PolyphonyError.invalidInput(
                    "holds experiment '\(other.name)' from a different grid than \(firstFolder) ('\(manifest.name)'); only slices of one grid can be combined",
                    file: (folder as NSString).appendingPathComponent(ExperimentManifest.fileName))
            }
            for entry in manifest.runs where completed[entry.id] == nil {
                let path = (folder as NSString).appendingPathComponent(entry.transcript)
                guard FileManager.default.fileExists(atPath: path) else { continue }
                if try ExperimentRunner.recordedEnd(path)?.status == .completed {
                    completed[entry.id] = path
                    unfinished[entry.id] = nil
                } else {
                    unfinished[entry.id, default: []].append(path)
                }
            }
        }
        let gridFile = (firstFolder as NSString).appendingPathComponent(ExperimentManifest.gridFileName)
        let grid = try ExperimentGridLoader().parse(manifest.grid, file: gridFile)
        return ExperimentFolders(manifest: manifest, grid: grid, completed: completed, unfinished: unfinished)
    }

    /// Every file of the experiment in `folders`: manifests, grid copies and transcripts, the
    /// files no report may be written over.
    public func files(in folders: [String]) -> [String] {
        let own = folders.flatMap { folder in
            [ExperimentManifest.fileName, ExperimentManifest.gridFileName].map { (folder as NSString).appendingPathComponent($0) }
        }
        return own + completed.values.sorted() + unfinished.values.flatMap { $0 }.sorted()
    }
}
