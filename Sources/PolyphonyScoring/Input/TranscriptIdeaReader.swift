import Foundation
import PolyphonyCore
import PolyphonyTranscript

/// Pulls the ideas out of a transcript, streaming it, and tags each with the session's
/// protocol (or a chosen group label), topic and the author's kind.
package struct TranscriptIdeaReader: Sendable {
    /// Replaces the protocol name as every idea's group when set (the older `--group LABEL`).
    package var groupOverride: String?
    /// How a transcript's group is named when ``groupOverride`` is not set.
    package var grouping: IdeaGrouping
    /// What ``IdeaGrouping/Key/file`` names each path (default: its base name).
    package var fileNames: [String: String]

    package init(groupOverride: String? = nil, grouping: IdeaGrouping = IdeaGrouping(), fileNames: [String: String] = [:]) {
        self.groupOverride = groupOverride
        self.grouping = grouping
        self.fileNames = fileNames
    }

    /// Reads every `idea` event of the transcript at `path`.
    /// - Returns: The ideas in file order, and a source entry with the session id and any
    ///   warnings (a cut-off final line, authors not in the header, a session without ideas).
    /// - Throws: ``PolyphonyError`` when the file is missing or a complete line is malformed.
    package func read(path: String) throws -> (ideas: [InputIdea], source: IdeaSource) {
        var header: SessionHeader?
        var kinds: [String: InputIdea.Kind] = [:]
        var turnKinds: [String: InputIdea.Kind] = [:]
        var pending: [(IdeaRecord, Int)] = []
        let summary = try TranscriptReader(path: path).forEach { event, line in
            switch event {
            case .session(let session):
                if header == nil {
                    header = session
                    for participant in session.participants {
                        kinds[participant.id] = participant.persona.isHuman ? .human : .agent
                    }
                }
            case .turn(let turn):
                turnKinds[turn.speaker] = turn.kind == .human ? .human : .agent
            case .idea(let idea):
                pending.append((idea, line))
            case .note, .end:
                break
            }
        }
        guard let header else {
            throw PolyphonyError.invalidInput("no session header", file: path, line: 1)
        }
        let fileName = fileNames[path] ?? ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        let group = groupOverride ?? grouping.group(forTranscript: path, header: header, fileName: fileName)
        var warnings = summary.warnings
        var unknownAuthors: Set<String> = []
        let ideas = pending.map { record, line in
            let kind: InputIdea.Kind
            if let known = kinds[record.author] ?? turnKinds[record.author] {
                kind = known
            } else {
                unknownAuthors.insert(record.author)
                kind = .agent
            }
            return InputIdea(
                id: record.id, text: record.text, author: record.author, kind: kind, round: record.round,
                group: group, prompt: header.topic, source: header.sessionId, line: line
            )
        }
        for author in unknownAuthors.sorted() {
            warnings.append("\(path): author '\(author)' is not a participant in the header; scored as an agent")
        }
        if ideas.isEmpty {
            warnings.append("\(path): the transcript holds no idea events")
        }
        let source = IdeaSource(
            id: header.sessionId, path: path, kind: .transcript, group: group, topic: header.topic,
            ideaCount: ideas.count, warnings: warnings
        )
        return (ideas, source)
    }
}
