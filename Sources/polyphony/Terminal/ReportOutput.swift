import Foundation
import PolyphonyCore

/// How report commands (`score`, `experiment analyze`) hand their results over: report files
/// written atomically, then either JSON on stdout (notes on stderr, so stdout stays pure
/// JSON) or the text report followed by the notes.
enum ReportOutput {
    /// Writes `data` to `path`, replacing it atomically.
    /// - Throws: ``PolyphonyError`` naming the file.
    static func write(_ data: Data, to path: String) throws {
        try AtomicFile.write(data, to: path)
    }

    /// Writes the report files asked for and says where they went.
    /// - Parameters:
    ///   - csv: `--csv PATH`, with what the CSV holds (e.g. "ideas CSV") and its text.
    ///   - html: `--html PATH` and the page.
    /// - Returns: One note per file written.
    /// - Throws: ``PolyphonyError`` naming a file that could not be written.
    static func writeFiles(
        csv: String?, csvLabel: String, csvText: () -> String, html: String?, htmlText: () -> String
    ) throws -> [String] {
        var notes: [String] = []
        if let csv {
            try write(Data(csvText().utf8), to: csv)
            notes.append("\(csvLabel): \(csv)")
        }
        if let html {
            try write(Data(htmlText().utf8), to: html)
            notes.append("HTML report: \(html)")
        }
        return notes
    }

    /// Prints the report: `json` when given, else `text`; then where files went.
    static func emit(json: Data?, text: @autoclosure () -> String, notes: [String]) {
        if let json {
            FileHandle.standardOutput.write(json)
            FileHandle.standardOutput.write(Data("\n".utf8))
            for note in notes { StandardError.writeLine(note) }
        } else {
            print(text(), terminator: "")
            for note in notes { print(note) }
        }
    }
}
