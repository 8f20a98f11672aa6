import Foundation
import PolyphonyCore

/// Reads idea lists written by people or other tools: CSV with a header row, or JSONL with
/// one object per line. Columns: `text` and `author` (required), `group`, `round`, `prompt`
/// and `kind` (`human` or `agent`; default `human`) optional.
///
/// Every non-blank row becomes an idea or an error naming its line; nothing is skipped silently.
package struct IdeaListReader: Sendable {
    /// Which syntax a list is written in.
    package enum Format: String, Sendable {
        case csv, jsonl

        /// The format a file's extension implies: `.csv`, or `.jsonl`/`.ndjson`.
        /// - Throws: ``PolyphonyError/invalidInput(_:file:line:)`` for any other extension.
        package init(path: String) throws {
            switch (path as NSString).pathExtension.lowercased() {
            case "csv": self = .csv
            case "jsonl", "ndjson": self = .jsonl
            default:
                throw PolyphonyError.invalidInput("idea lists must end in .csv, .jsonl or .ndjson", file: path)
            }
        }
    }

    /// Used when a row has no `group` column or leaves it empty; `nil` means the file's base name.
    package var defaultGroup: String?
    /// Used when a row has no `prompt`.
    package var defaultPrompt: String?

    package init(defaultGroup: String? = nil, defaultPrompt: String? = nil) {
        self.defaultGroup = defaultGroup
        self.defaultPrompt = defaultPrompt
    }

    /// Reads an idea list from disk, choosing the syntax from the extension.
    /// - Returns: The ideas in file order and a source entry describing the file.
    /// - Throws: ``PolyphonyError`` naming the file and line of the first bad row.
    package func read(path: String) throws -> (ideas: [InputIdea], source: IdeaSource) {
        let format = try Format(path: path)
        return try read(bytes: try readInputFile(path), format: format, path: path)
    }

    /// Reads an idea list already in memory; `path` names it in errors and becomes its source id.
    package func read(bytes: [UInt8], format: Format, path: String) throws -> (ideas: [InputIdea], source: IdeaSource) {
        let name = (path as NSString).lastPathComponent
        let group = defaultGroup ?? (name as NSString).deletingPathExtension
        let rows: [Row] = switch format {
        case .csv: try csvRows(bytes, path: path)
        case .jsonl: try jsonlRows(bytes, path: path)
        }
        var ideas: [InputIdea] = []
        ideas.reserveCapacity(rows.count)
        for row in rows {
            guard let text = row.text?.trimmingSpaces(), !text.isEmpty else {
                throw PolyphonyError.invalidInput("'text' is empty; every row must hold an idea", file: path, line: row.line)
            }
            guard let author = row.author?.trimmingSpaces(), !author.isEmpty else {
                throw PolyphonyError.invalidInput("'author' is empty", file: path, line: row.line)
            }
            let kind: InputIdea.Kind
            switch row.kind?.trimmingSpaces().lowercased() {
            case nil, "", "human": kind = .human
            case "agent": kind = .agent
            case let other?:
                throw PolyphonyError.invalidInput("'kind' is '\(other)'; expected human or agent", file: path, line: row.line)
            }
            let rowGroup = row.group?.trimmingSpaces()
            let rowPrompt = row.prompt?.trimmingSpaces()
            ideas.append(InputIdea(
                id: "row-\(ideas.count + 1)", text: text, author: author, kind: kind, round: row.round,
                group: (rowGroup?.isEmpty == false ? rowGroup : nil) ?? group,
                prompt: (rowPrompt?.isEmpty == false ? rowPrompt : nil) ?? defaultPrompt,
                source: name, line: row.line
            ))
        }
        let source = IdeaSource(id: name, path: path, kind: .ideaList, group: group, topic: defaultPrompt, ideaCount: ideas.count)
        return (ideas, source)
    }

    private struct Row {
        var line: Int
        var text: String?
        var author: String?
        var group: String?
        var round: Int?
        var prompt: String?
        var kind: String?
    }

    private func csvRows(_ bytes: [UInt8], path: String) throws -> [Row] {
        let table = try CSVParser(file: path).table(bytes)
        guard let textColumn = table.column("text") else {
            throw PolyphonyError.invalidInput("the header has no 'text' column (found: \(table.header.joined(separator: ", ")))", file: path, line: 1)
        }
        guard let authorColumn = table.column("author") else {
            throw PolyphonyError.invalidInput("the header has no 'author' column (found: \(table.header.joined(separator: ", ")))", file: path, line: 1)
        }
        let groupColumn = table.column("group"), roundColumn = table.column("round")
        let promptColumn = table.column("prompt"), kindColumn = table.column("kind")
        return try table.records.map { record in
            var round: Int?
            if let roundColumn {
                let raw = record.fields[roundColumn].trimmingSpaces()
                if !raw.isEmpty {
                    guard let value = Int(raw), value >= 0 else {
                        throw PolyphonyError.invalidInput("'round' is '\(raw)'; expected a whole number", file: path, line: record.line)
                    }
                    round = value
                }
            }
            return Row(
                line: record.line, text: record.fields[textColumn], author: record.fields[authorColumn],
                group: groupColumn.map { record.fields[$0] }, round: round,
                prompt: promptColumn.map { record.fields[$0] }, kind: kindColumn.map { record.fields[$0] }
            )
        }
    }

    private func jsonlRows(_ bytes: [UInt8], path: String) throws -> [Row] {
        var rows: [Row] = []
        var lineNumber = 0
        let decoder = JSONDecoder()
        // A byte-order mark is not part of the first object.
        let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes[3...] : bytes[...]
        for lineBytes in body.split(separator: 0x0A, omittingEmptySubsequences: false) {
            lineNumber += 1
            var slice = lineBytes[...]
            if slice.last == 0x0D { slice = slice.dropLast() }
            if slice.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            let object: [String: JSONValue]
            do {
                object = try decoder.decode([String: JSONValue].self, from: Data(slice))
            } catch {
                throw PolyphonyError.invalidInput("not a JSON object", file: path, line: lineNumber)
            }
            func string(_ key: String, required: Bool) throws -> String? {
                switch object[key] {
                case nil, .null?:
                    if required {
                        throw PolyphonyError.invalidInput("missing field '\(key)'", file: path, line: lineNumber)
                    }
                    return nil
                case .string(let value)?: return value
                default:
                    throw PolyphonyError.invalidInput("field '\(key)' should be a string", file: path, line: lineNumber)
                }
            }
            var round: Int?
            switch object["round"] {
            case nil, .null?: round = nil
            case .number(let value)? where value >= 0 && value.rounded() == value && value < 1e9:
                round = Int(value)
            default:
                throw PolyphonyError.invalidInput("field 'round' should be a whole number", file: path, line: lineNumber)
            }
            rows.append(Row(
                line: lineNumber, text: try string("text", required: true), author: try string("author", required: true),
                group: try string("group", required: false), round: round,
                prompt: try string("prompt", required: false), kind: try string("kind", required: false)
            ))
        }
        return rows
    }
}
