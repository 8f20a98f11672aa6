import PolyphonyCore
internal import Yams

/// The one mapping from the YAML library's errors to a ``PolyphonyError`` that names the file
/// and line: syntax errors at their line, a key given twice at the line of the repeat.
enum YAMLProblem {
    /// - Parameters:
    ///   - text: The YAML that failed, to find a repeated key in.
    ///   - lineOffset: Lines of `file` before `text` (front matter).
    static func describe(_ error: any Error, text: String, file: String, lineOffset: Int) -> PolyphonyError {
        guard let error = error as? YamlError else {
            return .invalidInput("not valid YAML: \(firstLine(of: "\(error)"))", file: file, line: lineOffset + 1)
        }
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return .invalidInput("not valid YAML: \(problem)", file: file, line: mark.line + lineOffset)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return YAMLDuplicateKey.error(
                key: duplicates.first ?? "?", text: text, firstLine: context.mark.line, firstColumn: context.mark.column,
                file: file, lineOffset: lineOffset)
        case .reader(let problem, let offset, _, _):
            // The reader reports a character offset; count the lines before it.
            let line = offset.map { text.prefix($0).reduce(1) { $1 == "\n" ? $0 + 1 : $0 } } ?? 1
            return .invalidInput("not valid YAML: \(problem)", file: file, line: line + lineOffset)
        default:
            return .invalidInput("not valid YAML: \(firstLine(of: "\(error)"))", file: file, line: lineOffset + 1)
        }
    }

    private static func firstLine(of text: String) -> String {
        text.split(whereSeparator: \.isNewline).first.map(String.init) ?? "malformed"
    }
}
