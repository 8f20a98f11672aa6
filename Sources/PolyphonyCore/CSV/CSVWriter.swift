/// Writes CSV the one way every Polyphony CSV file is written: RFC 4180 quoting and CRLF line
/// ends, so `ideas.csv`, ratings files and `experiment analyze --csv` read alike everywhere.
package enum CSVWriter {
    /// `text` as one CSV field: quoted, with inner quotes doubled, when it holds a comma, quote
    /// or line break; as it is otherwise.
    package static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One record: the fields quoted as needed and joined by commas, without a line end.
    package static func record(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",")
    }

    /// `records` as CSV text, each record ended by CRLF; empty when there are none.
    package static func document(_ records: [[String]]) -> String {
        records.map { record($0) + "\r\n" }.joined()
    }
}
