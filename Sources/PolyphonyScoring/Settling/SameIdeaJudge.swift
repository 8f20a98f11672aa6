import Foundation
import PolyphonyCore

/// Decides whether two idea texts state the same idea.
public protocol SameIdeaJudge: Sendable {
    /// A name for reports (the backend entry).
    var name: String { get }
    /// - Returns: `true` when the two texts are the same idea in different words.
    func isSameIdea(_ first: String, _ second: String) async throws -> Bool
}

/// Asks a chat model "same idea or not?" and reads a one-word JSON verdict.
///
/// The model sees only the two texts, never who wrote them. Answers that are not a clear
/// verdict are retried up to ``attempts`` times, then reported as an error.
public struct ChatSameIdeaJudge: SameIdeaJudge {
    public let backend: any ChatBackend
    public var model: String?
    public var attempts: Int

    public init(backend: any ChatBackend, model: String? = nil, attempts: Int = 3) {
        self.backend = backend
        self.model = model
        self.attempts = max(1, attempts)
    }

    public var name: String { backend.name }

    static let instructions = """
        You compare two ideas from a brainstorm. Say whether they are the SAME idea (the same \
        core proposal, even if worded differently or with minor extra detail) or DIFFERENT ideas. \
        Answer with JSON only: {"same": true} or {"same": false}.
        """

    public func isSameIdea(_ first: String, _ second: String) async throws -> Bool {
        let request = ChatRequest(
            messages: [.system(Self.instructions), .user("Idea A:\n\(first)\n\nIdea B:\n\(second)")],
            model: model, temperature: 0, maxTokens: 20,
            jsonSchema: .object([
                "type": .string("object"),
                "properties": .object(["same": .object(["type": .string("boolean")])]),
                "required": .array([.string("same")]),
            ])
        )
        var last = ""
        for _ in 0..<attempts {
            let response = try await backend.complete(request)
            if let verdict = Self.verdict(response.text) { return verdict }
            last = response.text
        }
        throw PolyphonyError.backend("no same/different verdict after \(attempts) tries; last answer: \(last.prefix(120))", backend: backend.name)
    }

    /// Reads `{"same": bool}` anywhere in the answer, or a bare yes/no/same/different word.
    static func verdict(_ text: String) -> Bool? {
        if let object = JSONExtraction.firstObject(in: text), case .bool(let same)? = object["same"] {
            return same
        }
        let words = LexicalEmbedder.words(text)
        guard words.count <= 3, let first = words.first else { return nil }
        switch first {
        case "yes", "same", "true": return true
        case "no", "different", "false": return false
        default: return nil
        }
    }
}
