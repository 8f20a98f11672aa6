import Foundation
import PolyphonyCore

/// A judging rubric: dimensions, each with a question and anchored points on an integer scale.
/// Rubrics are data files (JSON, see `rubrics/default.json`), so studies can swap them.
public struct Rubric: Sendable, Hashable, Codable {
    /// The score range.
    public struct Scale: Sendable, Hashable, Codable {
        public var min: Int
        public var max: Int
    }

    /// One thing the judge rates.
    public struct Dimension: Sendable, Hashable, Codable {
        /// The key in the judge's JSON answer and in reports.
        public var id: String
        public var question: String
        /// Descriptions of particular scores, keyed by the score as a string.
        public var anchors: [String: String]
    }

    public var name: String
    public var version: Int
    public var scale: Scale
    public var instructions: String
    public var dimensions: [Dimension]

    /// The dimension ids in order.
    public var dimensionIDs: [String] { dimensions.map(\.id) }

    /// Parses and checks a rubric.
    /// - Throws: ``PolyphonyError/invalidInput(_:file:line:)`` naming the field when the JSON is
    ///   malformed, the scale is empty, there are no dimensions, ids repeat, or an anchor lies
    ///   off the scale.
    public init(json: Data, file: String? = nil) throws {
        let decoded: Rubric
        do {
            decoded = try JSONDecoder().decode(Rubric.self, from: json)
        } catch let DecodingError.keyNotFound(key, context) {
            throw PolyphonyError.invalidInput("rubric is missing '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'", file: file)
        } catch let DecodingError.typeMismatch(_, context) {
            throw PolyphonyError.invalidInput("rubric field '\(context.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type", file: file)
        } catch {
            throw PolyphonyError.invalidInput("rubric is not valid JSON", file: file)
        }
        guard decoded.scale.min < decoded.scale.max else {
            throw PolyphonyError.invalidInput("rubric scale needs min < max", file: file)
        }
        guard !decoded.dimensions.isEmpty else {
            throw PolyphonyError.invalidInput("rubric has no dimensions", file: file)
        }
        var seen: Set<String> = []
        for dimension in decoded.dimensions {
            guard !dimension.id.isEmpty, seen.insert(dimension.id).inserted else {
                throw PolyphonyError.invalidInput("rubric dimension id '\(dimension.id)' is empty or repeated", file: file)
            }
            for key in dimension.anchors.keys {
                guard let point = Int(key), (decoded.scale.min...decoded.scale.max).contains(point) else {
                    throw PolyphonyError.invalidInput("anchor '\(key)' of '\(dimension.id)' is not a score on the \(decoded.scale.min)–\(decoded.scale.max) scale", file: file)
                }
            }
        }
        self = decoded
    }

    /// Reads a rubric file.
    public static func load(path: String) throws -> Rubric {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PolyphonyError.io("no such file", file: path)
        }
        return try Rubric(json: data, file: path)
    }

    /// The rubric shipped as `rubrics/default.json` (novelty, feasibility, specificity, impact,
    /// coherence on 1–10), built in so the CLI works without the file.
    public static var standard: Rubric {
        // The text is a compile-time constant checked by tests against rubrics/default.json.
        (try? Rubric(json: Data(defaultJSON.utf8))) ?? Rubric(name: "default", version: 1, scale: Scale(min: 1, max: 10), instructions: "", dimensions: [])
    }

    private init(name: String, version: Int, scale: Scale, instructions: String, dimensions: [Dimension]) {
        self.name = name
        self.version = version
        self.scale = scale
        self.instructions = instructions
        self.dimensions = dimensions
    }

    /// The system prompt: instructions, each dimension's question and anchors, and the answer format.
    func systemPrompt() -> String {
        var lines = [instructions, ""]
        for dimension in dimensions {
            lines.append("\(dimension.id): \(dimension.question)")
            for (point, text) in dimension.anchors.sorted(by: { (Int($0.key) ?? 0) < (Int($1.key) ?? 0) }) {
                lines.append("  \(point) = \(text)")
            }
        }
        lines.append("")
        let fields = dimensions.map { "\"\($0.id)\": <integer \(scale.min)-\(scale.max)>" }.joined(separator: ", ")
        lines.append("Answer with one JSON object and nothing else: {\(fields), \"rationale\": \"<one sentence>\"}")
        return lines.joined(separator: "\n")
    }

    /// The longest rationale the answer schema allows: one sentence. A grammar-bound model
    /// (llama.cpp) otherwise can ramble inside the string until the token limit cuts the JSON.
    static let maxRationaleLength = 300

    /// A JSON Schema for the judge's answer, for providers with structured output.
    func answerSchema() -> JSONValue {
        var properties: [String: JSONValue] = [
            "rationale": .object(["type": .string("string"), "maxLength": .number(Double(Self.maxRationaleLength))]),
        ]
        for dimension in dimensions {
            properties[dimension.id] = .object([
                "type": .string("integer"), "minimum": .number(Double(scale.min)), "maximum": .number(Double(scale.max)),
            ])
        }
        return .object([
            "type": .string("object"), "properties": .object(properties),
            "required": .array(dimensions.map { .string($0.id) }),
        ])
    }

    /// The scores in a judge's answer, or `nil` when any dimension is missing, not a whole
    /// number, or off the scale.
    func scores(in answer: String) -> [String: Int]? {
        guard let object = JSONExtraction.firstObject(in: answer) else { return nil }
        var scores: [String: Int] = [:]
        for dimension in dimensions {
            let value: Double?
            switch object[dimension.id] {
            case .number(let number)?: value = number
            case .string(let text)?: value = Double(text.trimmingSpaces())
            default: value = nil
            }
            guard let value, value.rounded() == value, value >= Double(scale.min), value <= Double(scale.max) else { return nil }
            scores[dimension.id] = Int(value)
        }
        return scores
    }
}
