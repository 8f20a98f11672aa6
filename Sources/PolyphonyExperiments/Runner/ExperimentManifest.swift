import Foundation
import PolyphonyCore

/// `manifest.json` of an experiment folder: which grid, and every run of the whole grid with
/// its transcript. Slices of one experiment write identical manifests (no times, no shard),
/// so they can share a folder on shared storage or be merged later.
public struct ExperimentManifest: Sendable, Hashable, Codable {
    /// The manifest format this build writes.
    public static let currentSchema = "polyphony.experiment-manifest/1"
    /// The manifest's file name inside an experiment folder.
    public static let fileName = "manifest.json"
    /// The folder of transcripts inside an experiment folder.
    public static let runsFolder = "runs"
    /// The copy of the grid file inside an experiment folder.
    public static let gridFileName = "grid.yaml"

    /// One session of the grid.
    public struct Entry: Sendable, Hashable, Codable {
        /// The run id, `condition__topic__sSEED`.
        public var id: String
        /// The run's condition.
        public var condition: String
        /// The run's topic id.
        public var topic: String
        /// The run's seed.
        public var seed: UInt64
        /// Relative to the experiment folder.
        public var transcript: String
    }

    /// `polyphony.experiment-manifest/1`.
    public var schema: String
    /// The experiment's name.
    public var name: String
    /// SHA-256 of the grid file's text.
    public var gridDigest: String
    /// The grid file's text.
    public var grid: String
    /// Condition names in grid order.
    public var conditions: [String]
    /// Every session of the whole grid, in grid order.
    public var runs: [Entry]

    /// The manifest of `grid`.
    public init(grid: ExperimentGrid) {
        schema = Self.currentSchema
        name = grid.name
        gridDigest = grid.digest
        self.grid = grid.text
        conditions = grid.conditions.map(\.name)
        runs = grid.runs.map {
            Entry(id: $0.id, condition: $0.condition, topic: $0.topic, seed: $0.seed, transcript: Self.runsFolder + "/" + $0.transcriptName)
        }
    }

    /// Reads `manifest.json` in `folder`.
    /// - Throws: ``PolyphonyError`` when the folder is not an experiment folder.
    public static func read(folder: String) throws -> ExperimentManifest {
        let path = (folder as NSString).appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PolyphonyError.io("no experiment manifest here; is this a folder written by `polyphony experiment run`?", file: path)
        }
        let manifest: ExperimentManifest
        do {
            manifest = try JSONDecoder().decode(ExperimentManifest.self, from: data)
        } catch {
            throw PolyphonyError.invalidInput("not an experiment manifest: \(error)", file: path, line: 1)
        }
        guard manifest.schema == currentSchema else {
            throw PolyphonyError.invalidInput("unsupported manifest schema '\(manifest.schema)' (this build reads \(currentSchema))", file: path, line: 1)
        }
        return manifest
    }

    /// Writes `manifest.json` and the grid file's text beside it, each atomically and only
    /// when it differs from what is there: an unchanged file is left alone, so the grid copy
    /// can itself be the grid file being run.
    /// - Throws: ``PolyphonyError`` when the folder is not writable, or holds a different experiment.
    public func write(folder: String) throws {
        let path = (folder as NSString).appendingPathComponent(Self.fileName)
        if FileManager.default.fileExists(atPath: path) {
            let existing = try Self.read(folder: folder)
            guard existing.gridDigest == gridDigest else {
                throw PolyphonyError.invalidInput("this folder holds experiment '\(existing.name)' from a different grid file; choose another --out", file: path)
            }
        }
        let runs = (folder as NSString).appendingPathComponent(Self.runsFolder)
        do {
            try FileManager.default.createDirectory(atPath: runs, withIntermediateDirectories: true)
        } catch {
            throw PolyphonyError.io("cannot create the experiment folder: \(error.localizedDescription)", file: runs)
        }
        let manifest: Data
        do {
            manifest = try JSONOutput.makeEncoder(keys: .useDefaultKeys).encode(self)
        } catch {
            throw PolyphonyError.io("cannot encode the manifest: \(error)", file: path)
        }
        for (file, data) in [(path, manifest), ((folder as NSString).appendingPathComponent(Self.gridFileName), Data(grid.utf8))]
        where FileManager.default.contents(atPath: file) != data {
            try AtomicFile.write(data, to: file)
        }
    }
}
