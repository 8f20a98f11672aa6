import Foundation
import PolyphonyCore
import PolyphonyEngine
import PolyphonyYAML

/// Reads experiment grid files (YAML). Every error names the file and line.
///
/// A condition is a session template: the fields of a session file except `topic` and
/// `output`, plus `human_script`. Fields under `defaults:` apply to every condition that does
/// not set them itself.
public struct ExperimentGridLoader: Sendable {
    static let allowedKeys = ["name", "defaults", "conditions", "topics", "seeds", "replicates", "scoring", "contrasts"]
    static let scoringKeys = ["embedder", "threshold", "seed", "floor_permutations", "bootstrap", "confidence", "metrics", "reference", "judge"]
    static let judgeKeys = ["backend", "rubric", "reviews"]
    static let conditionOnlyKeys = ["human_script"]

    /// A loader; it keeps no state.
    public init() {}

    /// Parses the grid file at `file`.
    /// - Throws: ``PolyphonyError`` naming the file and line of the first problem.
    public func load(file: String) throws -> ExperimentGrid {
        try parse(try TextFile.read(file), file: file)
    }

    /// Parses grid YAML; `file` is used in errors.
    public func parse(_ text: String, file: String) throws -> ExperimentGrid {
        // Empty text or a non-mapping root is one error, at the root's line.
        let root = try YAMLDocument.parse(text, file: file)
        guard let root, let top = root.mapping else {
            throw PolyphonyError.invalidInput("the grid should be a mapping of key: value lines", file: file, line: root?.line ?? 1)
        }
        let reader = NodeReader(file: file)
        try top.rejectUnknownKeys(allowed: Self.allowedKeys)

        let name = try top["name"].map { try reader.string($0, key: "name") } ?? ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        try reader.checkIdentifier(name, what: "experiment name", line: top["name"]?.line ?? top.line)

        var defaults: [YAMLMapping.Entry] = []
        if let node = top["defaults"] {
            guard let mapping = node.mapping else { throw reader.error("field 'defaults' should be a mapping of session fields", at: node) }
            defaults = mapping.entries
        }
        let topics = try parseTopics(top["topics"], reader: reader, rootLine: top.line)
        let seeds = try parseSeeds(top, reader: reader)
        let scoring = try parseScoring(top["scoring"], reader: reader)

        guard let conditionsNode = top["conditions"] else {
            throw PolyphonyError.invalidInput("missing field 'conditions': name at least one condition", file: file, line: top.line)
        }
        guard let conditionMapping = conditionsNode.mapping, !conditionMapping.isEmpty else {
            throw reader.error("field 'conditions' should map condition names to session templates", at: conditionsNode)
        }
        var conditions: [ExperimentGrid.Condition] = []
        var runs: [ExperimentRun] = []
        for (key, value) in conditionMapping.entries.map({ ($0.key, $0.value) }) {
            let conditionName = try reader.string(key, key: "conditions")
            let line = key.line
            try reader.checkIdentifier(conditionName, what: "condition name", line: line)
            guard let fields = value.mapping else {
                throw reader.error("condition '\(conditionName)' should be a mapping of session fields", at: value)
            }
            var humanScript: [String] = []
            if let script = fields["human_script"] {
                humanScript = try reader.string(script, key: "human_script").components(separatedBy: "\n")
            }
            // Condition fields override defaults; the session loader then checks the result
            // with the grid file's own line numbers.
            let own = fields.entries.filter { !Self.conditionOnlyKeys.contains($0.name) }
            let ownKeys = Set(own.map(\.name))
            let merged = defaults.filter { !ownKeys.contains($0.name) } + own
            let template = YAMLMapping(file: file, line: fields.line, entries: merged)
            for topic in topics {
                let spec = try SessionLoader().parse(template: template, topic: topic.text)
                for seed in seeds {
                    var seeded = spec
                    seeded.seed = seed
                    runs.append(ExperimentRun(
                        id: "\(conditionName)__\(topic.id)__s\(seed)", condition: conditionName, topic: topic.id,
                        seed: seed, spec: seeded, humanScript: humanScript))
                }
            }
            conditions.append(ExperimentGrid.Condition(name: conditionName, humanScript: humanScript, line: line))
        }
        let contrasts = try parseContrasts(top["contrasts"], conditions: conditions.map(\.name), reader: reader)
        return ExperimentGrid(
            file: file, name: name, conditions: conditions, topics: topics, seeds: seeds, scoring: scoring,
            contrasts: contrasts, runs: runs, digest: SHA256.hex(text), text: text)
    }

    /// `contrasts: [[first, second], …]`: planned comparisons, `mean(second) − mean(first)`.
    /// Each must name two different conditions of the grid, and no pair twice.
    private func parseContrasts(_ node: YAMLNode?, conditions: [String], reader: NodeReader) throws -> [ExperimentGrid.Contrast] {
        guard let node else { return [] }
        guard let items = node.sequence else {
            throw reader.error("field 'contrasts' should be a list of condition pairs, e.g. [[solo, team]]", at: node)
        }
        var contrasts: [ExperimentGrid.Contrast] = []
        for item in items {
            guard let pair = item.sequence, pair.count == 2 else {
                throw reader.error("a contrast should be a pair of condition names, e.g. [solo, team]", at: item)
            }
            let names = try pair.map { name -> String in
                let condition = try reader.string(name, key: "contrasts")
                guard conditions.contains(condition) else {
                    throw reader.error("contrast names unknown condition '\(condition)' (conditions: \(conditions.joined(separator: ", ")))", at: name)
                }
                return condition
            }
            guard names[0] != names[1] else { throw reader.error("a contrast compares '\(names[0])' with itself", at: item) }
            guard !contrasts.contains(where: { Set([$0.first, $0.second]) == Set(names) }) else {
                throw reader.error("the contrast of '\(names[0])' and '\(names[1])' is listed twice", at: item)
            }
            contrasts.append(ExperimentGrid.Contrast(first: names[0], second: names[1], line: item.line))
        }
        return contrasts
    }

    private func parseTopics(_ node: YAMLNode?, reader: NodeReader, rootLine: Int) throws -> [ExperimentGrid.Topic] {
        guard let node else {
            throw PolyphonyError.invalidInput("missing field 'topics': list at least one brief", file: reader.file, line: rootLine)
        }
        guard let items = node.sequence, !items.isEmpty else {
            throw reader.error("field 'topics' should be a list of briefs (text, or {id, text})", at: node)
        }
        var topics: [ExperimentGrid.Topic] = []
        for (index, item) in items.enumerated() {
            let topic: ExperimentGrid.Topic
            if let mapping = item.mapping {
                try mapping.rejectUnknownKeys(allowed: ["id", "text"])
                guard let textNode = mapping["text"] else { throw reader.error("a topic mapping needs 'text'", at: item) }
                topic = ExperimentGrid.Topic(
                    id: try mapping["id"].map { try reader.string($0, key: "id") } ?? "t\(index + 1)",
                    text: try reader.string(textNode, key: "text"))
            } else {
                topic = ExperimentGrid.Topic(id: "t\(index + 1)", text: try reader.string(item, key: "topics"))
            }
            try reader.checkIdentifier(topic.id, what: "topic id", line: item.line)
            guard !topic.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw reader.error("topic '\(topic.id)' is empty", at: item)
            }
            guard !topics.contains(where: { $0.id == topic.id }) else {
                throw reader.error("topic id '\(topic.id)' is used twice", at: item)
            }
            topics.append(topic)
        }
        return topics
    }

    private func parseSeeds(_ top: YAMLMapping, reader: NodeReader) throws -> [UInt64] {
        switch (top["seeds"], top["replicates"]) {
        case (.some(let node), .some):
            throw reader.error("give either 'seeds' or 'replicates', not both", at: node)
        case (.some(let node), nil):
            guard let items = node.sequence, !items.isEmpty else { throw reader.error("field 'seeds' should be a list of whole numbers", at: node) }
            let seeds = try items.map { item -> UInt64 in
                guard let string = item.text, let seed = UInt64(string) else {
                    throw reader.error("field 'seeds' should hold whole numbers ≥ 0", at: item)
                }
                return seed
            }
            guard Set(seeds).count == seeds.count else { throw reader.error("field 'seeds' repeats a seed", at: node) }
            return seeds
        case (nil, .some(let node)):
            guard let string = node.text, let count = Int(string), (1...100_000).contains(count) else {
                throw reader.error("field 'replicates' should be a whole number from 1 to 100000", at: node)
            }
            return (1...count).map(UInt64.init)
        case (nil, nil):
            return [1]
        }
    }

    private func parseScoring(_ node: YAMLNode?, reader: NodeReader) throws -> ExperimentGrid.Scoring {
        var scoring = ExperimentGrid.Scoring()
        guard let node else { return scoring }
        guard let fields = node.mapping else { throw reader.error("field 'scoring' should be a mapping", at: node) }
        try fields.rejectUnknownKeys(allowed: Self.scoringKeys)
        if let value = fields["embedder"] { scoring.embedder = try reader.string(value, key: "embedder") }
        if let value = fields["threshold"] {
            let threshold = try reader.double(value, key: "threshold")
            guard threshold > -1, threshold <= 1 else { throw reader.error("field 'threshold' must lie in (-1, 1]", at: value) }
            scoring.threshold = threshold
        }
        if let value = fields["seed"] {
            guard let seed = value.text.flatMap({ UInt64($0) }) else { throw reader.error("field 'seed' should be a whole number ≥ 0", at: value) }
            scoring.seed = seed
        }
        if let value = fields["floor_permutations"] {
            guard let count = value.text.flatMap({ Int($0) }), (0...10_000).contains(count) else {
                throw reader.error("field 'floor_permutations' should be a whole number from 0 to 10000", at: value)
            }
            scoring.floorPermutations = count
        }
        if let value = fields["bootstrap"] {
            guard let count = value.text.flatMap({ Int($0) }), (100...10_000_000).contains(count) else {
                throw reader.error("field 'bootstrap' (resamples) should be a whole number from 100 to 10000000", at: value)
            }
            scoring.bootstrapResamples = count
        }
        if let value = fields["confidence"] {
            let level = try reader.double(value, key: "confidence")
            guard level > 0.5, level < 1 else { throw reader.error("field 'confidence' should lie in (0.5, 1), e.g. 0.95", at: value) }
            scoring.confidence = level
        }
        if let value = fields["reference"] {
            if let items = value.sequence {
                scoring.reference = try items.map { try reader.string($0, key: "reference") }
            } else {
                scoring.reference = [try reader.string(value, key: "reference")]
            }
        }
        if let value = fields["metrics"] {
            guard let items = value.sequence, !items.isEmpty else { throw reader.error("field 'metrics' should be a list of metric names", at: value) }
            scoring.metrics = try items.map { item in
                let metric = try reader.string(item, key: "metrics")
                guard RunMetrics.names.contains(metric) else {
                    throw reader.error("unknown metric '\(metric)' (allowed: \(RunMetrics.names.joined(separator: ", ")))", at: item)
                }
                return metric
            }
        }
        if let value = fields["judge"] { scoring.judge = try parseJudge(value, reader: reader) }
        return scoring
    }

    /// `judge: { backend: NAME, rubric: PATH?, reviews: N? }`. The rubric path is kept as
    /// written: `experiment analyze` reads the grid from the experiment folder's copy, so a
    /// relative path means the folder analyze runs in.
    private func parseJudge(_ node: YAMLNode, reader: NodeReader) throws -> ExperimentGrid.Scoring.Judge {
        guard let fields = node.mapping else { throw reader.error("field 'judge' should be a mapping with backend, rubric and reviews", at: node) }
        try fields.rejectUnknownKeys(allowed: Self.judgeKeys)
        guard let backendNode = fields["backend"] else { throw reader.error("field 'judge' needs a 'backend' (a backends-file entry)", at: node) }
        var judge = ExperimentGrid.Scoring.Judge(backend: try reader.string(backendNode, key: "backend"))
        if let value = fields["rubric"] { judge.rubric = try reader.string(value, key: "rubric") }
        if let value = fields["reviews"] {
            guard let count = value.text.flatMap({ Int($0) }), (1...20).contains(count) else {
                throw reader.error("field 'reviews' should be a whole number from 1 to 20", at: value)
            }
            judge.reviews = count
        }
        return judge
    }
}

/// Typed access to grid values with errors that name the grid file and line.
struct NodeReader {
    let file: String

    func error(_ message: String, at node: YAMLNode) -> PolyphonyError { node.error(message) }

    func string(_ node: YAMLNode, key: String) throws -> String {
        guard let text = node.text else { throw error("field '\(key)' should be text", at: node) }
        return text
    }

    func double(_ node: YAMLNode, key: String) throws -> Double {
        guard let value = node.text.flatMap({ Double($0) }), value.isFinite else {
            throw error("field '\(key)' should be a number", at: node)
        }
        return value
    }

    /// Names end up in file names and CSV cells, so they are kept to a safe alphabet.
    func checkIdentifier(_ name: String, what: String, line: Int) throws {
        let allowed = name.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) && $0.isASCII || $0 == "-" || $0 == "_" || $0 == "." }
        guard !name.isEmpty, allowed, !name.contains("__"), !name.hasPrefix(".") else {
            throw PolyphonyError.invalidInput("\(what) '\(name)' should use only letters, digits, '-', '_' and '.' (no '__', no leading '.')", file: file, line: line)
        }
    }
}
