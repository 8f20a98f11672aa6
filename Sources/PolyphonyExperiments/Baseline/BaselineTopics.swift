import Foundation
import PolyphonyCore
import PolyphonyEngine

/// The topics a baseline pool asks about (`polyphony baseline`), gathered from plain texts,
/// session files and grids.
///
/// Lives here rather than in Engine because a grid's topics are read with the grid loader.
package enum BaselineTopics {
    /// Gathers topics in the order given, the first of each id kept.
    /// - Parameters:
    ///   - texts: Topic texts (ids `t1`, `t2`, …).
    ///   - files: Session files (id: the file's base name) and grids (their topic ids); a file
    ///     with a top-level `conditions:` line is read as a grid.
    /// - Throws: ``PolyphonyError`` naming the file when one cannot be read or parsed.
    package static func gather(texts: [String], files: [String]) throws -> [BaselinePool.Topic] {
        var topics = texts.enumerated().map { BaselinePool.Topic(id: "t\($0.offset + 1)", text: $0.element) }
        for file in files {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw PolyphonyError.io("cannot be read", file: file)
            }
            if text.split(separator: "\n").contains(where: { $0.hasPrefix("conditions:") }) {
                topics += try ExperimentGridLoader().load(file: file).topics.map { BaselinePool.Topic(id: $0.id, text: $0.text) }
            } else {
                let spec = try SessionLoader().load(file: file)
                let name = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
                topics.append(BaselinePool.Topic(id: name, text: spec.topic))
            }
        }
        var seen: Set<String> = []
        return topics.filter { seen.insert($0.id).inserted }
    }
}
