import Foundation
import PolyphonyCore

extension ScoreReport {
    /// The stable `--json` encoding: sorted keys, pretty-printed, snake_case as documented in
    /// `docs/score-json.md` and `docs/schemas/score.schema.json`.
    public func jsonData() throws -> Data {
        try JSONOutput.data(self, what: "the score report")
    }

    /// One CSV row per idea (RFC 4180 quoting): where it came from, its cluster and rarity,
    /// its scores, and the text last.
    public func ideasCSV() -> String {
        let dimensions = quality?.dimensions ?? []
        var records = [[
            "index", "id", "source", "group", "author", "kind", "round", "cluster", "rarity",
            "similarity_to_representative", "cluster_at_\(Self.number(settings.literatureThreshold, 2))", "prompt_distance",
            "originality", "reference_novelty", "in_reference",
        ] + dimensions + ["text"]]
        for idea in ideas {
            let originality: [String] = [
                idea.originality.map { Self.number($0, 3) } ?? "",
                idea.referenceNovelty.map { Self.number($0, 4) } ?? "",
                idea.inReference.map { $0 ? "true" : "false" } ?? "",
            ]
            var fields: [String] = [
                "\(idea.index)", idea.id, idea.source, idea.group, idea.author, idea.kind.rawValue,
                idea.round.map(String.init) ?? "", "\(idea.cluster)", "\(idea.rarity)",
                Self.number(idea.similarityToRepresentative, 4), "\(idea.clusterAtLiteratureThreshold)",
                idea.promptDistance.map { Self.number($0, 4) } ?? "",
            ]
            fields += originality
            fields += dimensions.map { dimension in idea.quality?[dimension].map { Self.number($0, 2) } ?? "" }
            fields.append(idea.text)
            records.append(fields)
        }
        return CSVWriter.document(records)
    }

    /// A digest of everything that determines the numbers: settings and the set of sources.
    /// Score files are named by it so runs with other settings never overwrite each other.
    public var settingsDigest: String {
        var canonical = Data()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        canonical.append((try? encoder.encode(settings)) ?? Data())
        for source in sources.map({ "\($0.kind.rawValue):\($0.id)" }).sorted() {
            canonical.append(contentsOf: Array("\n\(source)".utf8))
        }
        if let quality {
            canonical.append(contentsOf: Array("\nquality:\(quality.rubric):\(quality.judge):\(quality.reviewsPerIdea)".utf8))
        }
        if let humanRatings {
            canonical.append(contentsOf: Array("\nratings:\(humanRatings.files.joined(separator: "\u{1f}"))".utf8))
        }
        return String(SHA256.hex(canonical).prefix(16))
    }

    /// Where ``saveBesideTranscripts()`` writes: `<transcript>.scores/<settings-digest>.json`
    /// for every transcript the report covers.
    public var scoreFilePaths: [String] {
        let name = settingsDigest + ".json"
        return sources.filter { $0.kind == .transcript }.map { ((($0.path + ".scores") as NSString).appendingPathComponent(name)) }
    }

    /// Writes the JSON report beside every transcript it covers, atomically, at
    /// ``scoreFilePaths``; transcripts themselves are never touched.
    /// - Returns: The paths written.
    /// - Throws: ``PolyphonyError/io(_:file:)`` when a folder or file cannot be written.
    @discardableResult
    public func saveBesideTranscripts() throws -> [String] {
        let data = try jsonData()
        let paths = scoreFilePaths
        for path in paths {
            let folder = (path as NSString).deletingLastPathComponent
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw PolyphonyError.io("cannot create the scores folder", file: folder)
            }
            try AtomicFile.write(data, to: path)
        }
        return paths
    }
}
