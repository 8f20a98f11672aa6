import Foundation
import PolyphonyCore

/// Chooses the near-duplicate threshold that best reproduces human same-idea labels.
///
/// People group ideas more coarsely than a 0.8 cosine cut does, so the literature's cut
/// over-counts unique ideas. Given ideas a person coded into same-idea labels (within each
/// group), this clusters each group at every threshold in a range and scores the result with
/// the adjusted Rand index against the labels, pooled over groups.
public struct ThresholdCalibration: Sendable {
    /// One hand-coded idea.
    public struct CodedIdea: Sendable, Hashable {
        public var text: String
        public var group: String
        public var label: String
        public var line: Int?

        public init(text: String, group: String, label: String, line: Int? = nil) {
            self.text = text
            self.group = group
            self.label = label
            self.line = line
        }
    }

    /// The candidate thresholds, ascending.
    public var thresholds: [Float]

    /// - Parameter thresholds: Candidates; the default is 0.30 to 0.95 in steps of 0.01.
    public init(thresholds: [Float] = stride(from: 30, through: 95, by: 1).map { Float($0) / 100 }) {
        self.thresholds = thresholds.sorted()
    }

    /// Reads a coded CSV with columns `text`, `label` and optionally `group`.
    /// - Throws: ``PolyphonyError`` naming the file and line of a malformed or incomplete row.
    public static func readCoded(path: String) throws -> [CodedIdea] {
        let table = try CSVParser(file: path).table(try readInputFile(path))
        guard let text = table.column("text"), let label = table.column("label") else {
            throw PolyphonyError.invalidInput("a coded file needs 'text' and 'label' columns (found: \(table.header.joined(separator: ", ")))", file: path, line: 1)
        }
        let group = table.column("group")
        let coded = try table.records.map { record in
            let idea = CodedIdea(
                text: record.fields[text].trimmingSpaces(),
                group: group.map { record.fields[$0].trimmingSpaces() }.flatMap { $0.isEmpty ? nil : $0 } ?? "all",
                label: record.fields[label].trimmingSpaces(), line: record.line)
            guard !idea.text.isEmpty else { throw PolyphonyError.invalidInput("'text' is empty", file: path, line: record.line) }
            guard !idea.label.isEmpty else { throw PolyphonyError.invalidInput("'label' is empty; every idea needs a same-idea label", file: path, line: record.line) }
            return idea
        }
        guard coded.count >= 2 else {
            throw PolyphonyError.invalidInput("calibration needs at least two coded ideas", file: path)
        }
        return coded
    }

    /// Embeds the coded ideas and calibrates.
    public func calibrate(_ coded: [CodedIdea], embedder: any Embedder, source: String) async throws -> CalibrationResult {
        let matrix = try EmbeddingMatrix(try await embedder.embed(coded.map(\.text))).normalized()
        guard matrix.rows == coded.count else {
            throw PolyphonyError.invalidInput("embedder \(embedder.name) returned \(matrix.rows) vectors for \(coded.count) texts")
        }
        return await calibrate(coded, embeddings: matrix, embedder: embedder.name, source: source)
    }

    /// Calibrates against known unit-normalised embeddings (one row per coded idea).
    public func calibrate(_ coded: [CodedIdea], embeddings matrix: EmbeddingMatrix, embedder: String, source: String) async -> CalibrationResult {
        let groups = ordered(Array(coded.indices)) { coded[$0].group }
        let humanLabels = coded.map { "\($0.group)\u{1F}\($0.label)" }
        var points: [CalibrationResult.Point] = []
        for threshold in thresholds {
            var predicted = [String](repeating: "", count: coded.count)
            var clusters = 0
            for (group, rows) in groups {
                let result = await NearDuplicateClustering(threshold: threshold).cluster(matrix.subset(rows))
                clusters += result.clusterCount
                for (offset, row) in rows.enumerated() { predicted[row] = "\(group)\u{1F}\(result.assignments[offset])" }
            }
            points.append(CalibrationResult.Point(
                // Six decimals drop the Float-to-Double noise (0.65 rather than 0.6499999761581421).
                threshold: (Double(threshold) * 1e6).rounded() / 1e6, adjustedRandIndex: AdjustedRandIndex.compute(humanLabels, predicted) ?? 0,
                clusters: clusters))
        }
        let humanClusters = Set(humanLabels).count
        // Best ARI; among ties, the cluster count nearest the human one; then the middle of the plateau.
        let bestARI = points.map(\.adjustedRandIndex).max() ?? 0
        let tied = points.filter { bestARI - $0.adjustedRandIndex < 1e-12 }
        let closest = tied.map { abs($0.clusters - humanClusters) }.min() ?? 0
        let plateau = tied.filter { abs($0.clusters - humanClusters) == closest }
        let recommended = plateau[plateau.count / 2]
        return CalibrationResult(
            embedder: embedder, source: source, ideas: coded.count, groups: groups.count, humanClusters: humanClusters,
            points: points, recommended: recommended)
    }
}

/// What a calibration found, printed by `polyphony score calibrate` (`--json`: schema
/// `polyphony.calibration/1`).
public struct CalibrationResult: Sendable, Hashable, Codable {
    /// The schema identifier of the `--json` layout.
    public static let currentSchema = "polyphony.calibration/1"

    /// Agreement with the human labels at one threshold.
    public struct Point: Sendable, Hashable, Codable {
        public var threshold: Double
        public var adjustedRandIndex: Double
        public var clusters: Int
    }

    public var schema = Self.currentSchema
    public var embedder: String
    public var source: String
    public var ideas: Int
    public var groups: Int
    /// Distinct same-idea labels (per group, summed).
    public var humanClusters: Int
    public var points: [Point]
    public var recommended: Point

    /// The point at the literature's 0.8, when it was among the candidates.
    public var literaturePoint: Point? {
        points.first { abs($0.threshold - Double(NearDuplicateClustering.literatureThreshold)) < 1e-6 }
    }

    /// The small file `score --threshold-file` reads.
    public var thresholdFile: ThresholdFile {
        ThresholdFile(
            threshold: recommended.threshold, embedder: embedder, adjustedRandIndex: recommended.adjustedRandIndex,
            clusters: recommended.clusters, humanClusters: humanClusters, source: source, ideas: ideas)
    }
}

/// A calibrated threshold saved for later scoring runs. It is tied to the embedder it was
/// calibrated with: cosine scales differ between embedders.
public struct ThresholdFile: Sendable, Hashable, Codable {
    /// The layout this build writes: snake_case keys, as every `--json` output.
    public static let currentSchema = "polyphony.threshold/2"
    /// The earlier camelCase layout, still read.
    public static let previousSchema = "polyphony.threshold/1"

    public var schema: String
    public var threshold: Double
    public var embedder: String
    public var adjustedRandIndex: Double
    public var clusters: Int
    public var humanClusters: Int
    public var source: String
    public var ideas: Int

    public init(threshold: Double, embedder: String, adjustedRandIndex: Double, clusters: Int, humanClusters: Int, source: String, ideas: Int) {
        self.schema = Self.currentSchema
        self.threshold = threshold
        self.embedder = embedder
        self.adjustedRandIndex = adjustedRandIndex
        self.clusters = clusters
        self.humanClusters = humanClusters
        self.source = source
        self.ideas = ideas
    }

    /// Writes the file as pretty, key-sorted JSON, replacing any earlier one atomically.
    /// - Throws: ``PolyphonyError/io(_:file:)`` when it cannot be written.
    public func write(to path: String) throws {
        var data = try JSONOutput.data(self, what: "the threshold file")
        data.append(0x0A)
        try AtomicFile.write(data, to: path)
    }

    /// Reads a threshold file and checks it belongs to `embedder`.
    /// - Throws: ``PolyphonyError`` when the file is missing or malformed, the threshold is out
    ///   of range, or it was calibrated with another embedder.
    public static func read(from path: String, embedder: String) throws -> ThresholdFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PolyphonyError.io("no such file", file: path)
        }
        struct Schema: Decodable { var schema: String }
        guard let schema = try? JSONDecoder().decode(Schema.self, from: data).schema else {
            throw PolyphonyError.invalidInput("not a threshold file (expected the JSON that `polyphony score calibrate` writes)", file: path)
        }
        guard schema == currentSchema || schema == previousSchema else {
            throw PolyphonyError.unsupportedSchema("threshold file schema '\(schema)' is not supported; expected \(currentSchema)", file: path)
        }
        var file: ThresholdFile
        do {
            // Version 1 files spelled their keys in camelCase.
            file = try (schema == previousSchema ? JSONDecoder() : JSONOutput.makeDecoder()).decode(ThresholdFile.self, from: data)
        } catch {
            throw PolyphonyError.invalidInput("not a threshold file (expected the JSON that `polyphony score calibrate` writes)", file: path)
        }
        // In memory it is the current layout, so writing it back gives a consistent file.
        file.schema = currentSchema
        guard file.threshold > -1, file.threshold <= 1 else {
            throw PolyphonyError.invalidInput("threshold \(file.threshold) is outside (-1, 1]", file: path)
        }
        guard file.embedder == embedder else {
            throw PolyphonyError.invalidInput("calibrated for embedder \(file.embedder), but this run uses \(embedder); recalibrate with the same embedder", file: path)
        }
        return file
    }
}
