import Foundation
import PolyphonyCore

/// "What the models say anyway": each backend asked for ideas on each topic once per seed,
/// with no persona, written as a JSONL idea list with the model as author (`polyphony baseline`).
///
/// The output is appended one call at a time and flushed to disk, so an interrupted run keeps
/// every finished call; running again skips the (backend, topic, seed) calls the file already
/// holds in full and asks only the rest.
public struct BaselinePool: Sendable {
    /// One topic: its id (for the output rows) and its text (the prompt the ideas answer).
    public struct Topic: Sendable, Hashable {
        public var id: String
        public var text: String

        public init(id: String, text: String) {
            self.id = id
            self.text = text
        }
    }

    /// What a run did.
    public struct Summary: Sendable, Hashable {
        /// Calls made now.
        public var calls: Int
        /// Calls skipped because the file already held them.
        public var skipped: Int
        /// Ideas written now.
        public var ideas: Int
        /// Calls whose answer held no idea (asked again on the next run).
        public var empty: Int
    }

    /// One row of the output file (an idea list: `text`, `author`, `kind`, `group`, `prompt`).
    struct Row: Codable, Hashable {
        var text: String
        var author: String
        var kind: String
        var group: String
        var prompt: String
        var backend: String
        var model: String
        var topic: String
        var seed: UInt64
        /// Ideas the call gave; a call counts as done when the file holds all of them.
        var ideas_in_call: Int

        var call: String { "\(backend)\u{1F}\(topic)\u{1F}\(seed)" }
    }

    public var backends: [any ChatBackend]
    public var topics: [Topic]
    public var seeds: [UInt64]
    public var ideasPerCall: Int
    public var temperature: Double?
    public var maxTokens: Int
    /// Calls in flight at once (each backend's own limits still apply).
    public var concurrency: Int
    /// The `group` every row gets.
    public var group: String

    public init(
        backends: [any ChatBackend], topics: [Topic], seeds: [UInt64], ideasPerCall: Int = 5, temperature: Double? = 1.0,
        maxTokens: Int = 600, concurrency: Int = 4, group: String = "baseline"
    ) {
        self.backends = backends
        self.topics = topics
        self.seeds = seeds
        self.ideasPerCall = max(1, ideasPerCall)
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.concurrency = max(1, concurrency)
        self.group = group
    }

    /// Asks every (backend, topic, seed) call the file at `path` does not hold yet and appends
    /// its ideas. `progress` is told after each call.
    /// - Throws: ``PolyphonyError`` when the file is not a baseline pool, cannot be written,
    ///   or a backend fails after its retries (finished calls stay in the file).
    public func run(output path: String, progress: @Sendable (Summary) -> Void = { _ in }) async throws -> Summary {
        let done = try Self.prepare(path)
        struct Call: Sendable { var backend: any ChatBackend; var topic: Topic; var seed: UInt64 }
        var pending: [Call] = []
        var skipped = 0
        for backend in backends {
            for topic in topics {
                for seed in seeds {
                    if done.contains("\(backend.name)\u{1F}\(topic.id)\u{1F}\(seed)") { skipped += 1 } else {
                        pending.append(Call(backend: backend, topic: topic, seed: seed))
                    }
                }
            }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw PolyphonyError.io("cannot open \(path) for appending", file: path)
        }
        defer { try? handle.close() }
        try handle.seekToEnd()
        var summary = Summary(calls: 0, skipped: skipped, ideas: 0, empty: 0)
        let parser = IdeaParser()
        let encoder = JSONOutput.makeLineEncoder()
        try await withThrowingTaskGroup(of: (Call, ChatResponse).self) { group in
            var next = 0
            func launch() {
                guard next < pending.count else { return }
                let call = pending[next]
                next += 1
                let request = ChatRequest(
                    messages: PromptBuilder.neutralMessages(topic: call.topic.text, ideasPerTurn: ideasPerCall),
                    temperature: temperature, maxTokens: maxTokens, seed: call.seed)
                group.addTask { (call, try await call.backend.complete(request)) }
            }
            for _ in 0..<concurrency { launch() }
            while let (call, response) = try await group.next() {
                let ideas = Array(parser.parse(response.text).prefix(ideasPerCall))
                let model = response.model ?? call.backend.defaultModel
                var lines = Data()
                for idea in ideas {
                    let row = Row(
                        text: idea.text, author: model.isEmpty ? call.backend.name : model, kind: "agent", group: self.group,
                        prompt: call.topic.text, backend: call.backend.name, model: model, topic: call.topic.id, seed: call.seed,
                        ideas_in_call: ideas.count)
                    lines.append(try encoder.encode(row))
                    lines.append(0x0A)
                }
                if !lines.isEmpty {
                    do {
                        try handle.write(contentsOf: lines)
                        try handle.synchronize()
                    } catch {
                        throw PolyphonyError.io("cannot append to \(path): \(error)", file: path)
                    }
                }
                summary.calls += 1
                summary.ideas += ideas.count
                if ideas.isEmpty { summary.empty += 1 }
                progress(summary)
                launch()
            }
        }
        return summary
    }

    /// Creates the file if needed, drops a torn last line and the rows of any call a crash left
    /// incomplete (rewriting the file atomically), and returns the calls held in full.
    static func prepare(_ path: String) throws -> Set<String> {
        guard FileManager.default.fileExists(atPath: path) else {
            try AtomicFile.write(Data(), to: path)
            return []
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PolyphonyError.io("cannot read \(path)", file: path)
        }
        var rows: [Row] = []
        var torn = false
        let lines = data.split(separator: 0x0A, omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() where !line.isEmpty {
            do {
                rows.append(try JSONDecoder().decode(Row.self, from: Data(line)))
            } catch {
                // Only a last line without its newline, cut short so that it is not even JSON,
                // can be a crash's leftover; a whole JSON line of another kind means this file
                // is not a pool, and nothing in it may be dropped.
                let isWholeJSON = (try? JSONSerialization.jsonObject(with: Data(line), options: [.fragmentsAllowed])) != nil
                guard index == lines.count - 1, !isWholeJSON else {
                    throw PolyphonyError.invalidInput("not a baseline pool row (written by `polyphony baseline`)", file: path, line: index + 1)
                }
                torn = true
            }
        }
        var counts: [String: Int] = [:]
        for row in rows { counts[row.call, default: 0] += 1 }
        let complete = Set(rows.filter { counts[$0.call] == $0.ideas_in_call }.map(\.call))
        let kept = rows.filter { complete.contains($0.call) }
        if torn || kept.count != rows.count || (data.last.map { $0 != 0x0A } ?? false) {
            let encoder = JSONOutput.makeLineEncoder()
            var text = Data()
            for row in kept {
                text.append(try encoder.encode(row))
                text.append(0x0A)
            }
            try AtomicFile.write(text, to: path)
        }
        return complete
    }
}
