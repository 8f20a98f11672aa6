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
