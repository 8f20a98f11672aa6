import Foundation
import PolyphonyCore

/// The ratings file `polyphony rate` writes and `score --ratings` reads: RFC 4180 CSV with
/// the header `idea_id,source,rater,dimension,score,time`, one row per idea and dimension.
/// An empty `score` records a skip: the rater saw the idea and chose not to rate it. Files
/// written before skips were recorded simply have none, and read the same.
///
/// Rows are only ever added. Going back to an idea appends its new scores; when a rater rated
/// the same idea and dimension twice, the later row counts (``latest(_:)``).
public enum RatingsFile {
    /// The columns, in the order they are written.
    public static let columns = ["idea_id", "source", "rater", "dimension", "score", "time"]

    /// Reads every rating in a file.
    /// - Returns: The ratings in file order; an empty or missing-rows file gives none.
    /// - Throws: ``PolyphonyError/io(_:file:)`` when the file cannot be read, and
    ///   ``PolyphonyError/invalidInput(_:file:line:)`` naming the line of a missing column,
    ///   a row with the wrong number of fields, an empty id, rater or dimension, or a score
    ///   that is neither empty (a skip) nor a number.
    public static func read(path: String) throws -> [Rating] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PolyphonyError.io(FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file", file: path)
        }
        return try parse(Array(data), path: path)
    }

    /// Parses the bytes of a ratings file; `path` names it in errors.
    public static func parse(_ bytes: [UInt8], path: String) throws -> [Rating] {
        let records = try CSVParser(file: path).records(bytes)
        guard let header = records.first else { return [] }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        var position: [String: Int] = [:]
        for column in columns {
            guard let index = names.firstIndex(of: column) else {
                throw PolyphonyError.invalidInput("ratings file has no '\(column)' column (expected \(columns.joined(separator: ",")))", file: path, line: header.line)
            }
            position[column] = index
        }
        var ratings: [Rating] = []
        for record in records.dropFirst() {
            guard record.fields.count == names.count else {
                throw PolyphonyError.invalidInput("expected \(names.count) fields, found \(record.fields.count)", file: path, line: record.line)
            }
            func field(_ name: String) -> String { record.fields[position[name]!].trimmingCharacters(in: .whitespaces) }
            for name in ["idea_id", "source", "rater", "dimension"] where field(name).isEmpty {
                throw PolyphonyError.invalidInput("empty \(name)", file: path, line: record.line)
            }
            let text = field("score")
            let score = text.isEmpty ? nil : Double(text)
            guard text.isEmpty || score?.isFinite == true else {
                throw PolyphonyError.invalidInput("score '\(text)' is not a number (leave it empty for a skip)", file: path, line: record.line)
            }
            ratings.append(Rating(
                ideaId: field("idea_id"), source: field("source"), rater: field("rater"),
                dimension: field("dimension"), score: score, time: field("time")))
        }
        return ratings
    }

    /// Reads several files, in order, as one list.
    public static func read(paths: [String]) throws -> [Rating] {
        try paths.flatMap { try read(path: $0) }
    }

    /// The last rating per idea, rater and dimension: what a rater settled on after going back.
    public static func latest(_ ratings: [Rating]) -> [Rating] {
        struct Key: Hashable { var idea: IdeaKey; var rater: String; var dimension: String }
        var position: [Key: Int] = [:]
        var kept: [Rating] = []
        for rating in ratings {
            let key = Key(idea: rating.ideaKey, rater: rating.rater, dimension: rating.dimension)
            if let index = position[key] {
                kept[index] = rating
            } else {
                position[key] = kept.count
                kept.append(rating)
            }
        }
        return kept
    }

    /// The CSV text of `ratings`, with the header when `header` is true; lines end in CRLF.
    public static func csv(_ ratings: [Rating], header: Bool) -> String {
        var records = header ? [columns] : []
        for rating in ratings {
            let score = rating.score.map { $0 == $0.rounded() && abs($0) < 1e15 ? String(Int($0)) : String($0) } ?? ""
            records.append([rating.ideaId, rating.source, rating.rater, rating.dimension, score, rating.time])
        }
        return CSVWriter.document(records)
    }
}
