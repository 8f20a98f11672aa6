import Foundation
import PolyphonyCore
import PolyphonyScoring

/// Blind-judge quality per experiment run, cached beside each run's transcript so that an
/// analysis that is interrupted, or run again, never pays for a run's judging twice.
///
/// A run's result is saved as `<transcript>.quality/<key>.json` as soon as that run is
/// judged (through ``AtomicFile``); the key digests the rubric, judge backend, model, reviews
/// and the run's ideas, so a changed rubric or judge asks again and a completed run does not.
public struct RunQuality: Sendable {
    /// The saved result of judging one run.
    struct Entry: Codable {
        var schema: String
        var key: String
        /// Mean over ideas of each idea's mean score, per dimension.
        var means: [String: Double]
        /// Reviews that scored, and reviews that failed, over the run's ideas.
        var scored: Int
        var failed: Int
    }

    static let schema = "polyphony.run-quality/1"

    public var judge: QualityJudge

    public init(judge: QualityJudge) {
        self.judge = judge
    }

    /// The metric names this judge adds, in rubric order: `quality_<dimension>`.
    public var metricNames: [String] { judge.rubric.dimensionIDs.map { "quality_" + $0 } }

    /// One line per metric, for reports.
    public var descriptions: [String: String] {
        Dictionary(uniqueKeysWithValues: judge.rubric.dimensionIDs.map {
            ("quality_" + $0, "blind-judge mean \($0) (\(judge.rubric.name)@\(judge.rubric.version), \(judge.backend.name), \(judge.reviews) review(s) per idea)")
        })
    }

    /// The run's `quality_<dimension>` metrics, from the cache or by judging its ideas.
    /// - Parameters:
    ///   - report: The run's score report (its ideas and their topic).
    ///   - transcript: The run's transcript; the cache lives beside it.
    /// - Throws: ``PolyphonyError`` when the judge's backend fails, every review of the run
    ///   failed, or the cache cannot be written.
    public func metrics(of report: ScoreReport, transcript: String) async throws -> [String: Double] {
        let key = cacheKey(report)
        let path = ((transcript + ".quality") as NSString).appendingPathComponent(String(key.prefix(16)) + ".json")
        if let data = FileManager.default.contents(atPath: path),
           let entry = try? JSONDecoder().decode(Entry.self, from: data), entry.schema == Self.schema, entry.key == key {
            return Self.named(entry.means)
        }
        let judged = try await judge.judge(report)
        guard let quality = judged.quality else { return [:] }
        _ = try quality.checkReviews()
        var means: [String: Double] = [:]
        for dimension in quality.dimensions {
            let values = quality.ideas.compactMap { $0.mean[dimension] }
            if !values.isEmpty { means[dimension] = values.reduce(0, +) / Double(values.count) }
        }
        let counts = quality.reviewCounts
        let entry = Entry(schema: Self.schema, key: key, means: means, scored: counts.scored, failed: counts.failed)
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw PolyphonyError.io("cannot create the judge cache folder", file: folder)
        }
        try AtomicFile.write(try JSONOutput.makeEncoder(keys: .useDefaultKeys).encode(entry), to: path)
        return Self.named(means)
    }

    private static func named(_ means: [String: Double]) -> [String: Double] {
        Dictionary(uniqueKeysWithValues: means.map { ("quality_" + $0.key, $0.value) })
    }

    /// What determines the result: rubric, judge, reviews, and every idea's topic and text.
    func cacheKey(_ report: ScoreReport) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var canonical = Data()
        canonical.append((try? encoder.encode(judge.rubric)) ?? Data())
        canonical.append(contentsOf: Array("\n\(judge.backend.name)\n\(judge.model ?? "")\n\(judge.reviews)\n\(judge.temperature)".utf8))
        for idea in report.ideas {
            canonical.append(contentsOf: Array("\n\(idea.prompt ?? "")\u{1f}\(idea.text)".utf8))
        }
        return SHA256.hex(canonical)
    }
}
