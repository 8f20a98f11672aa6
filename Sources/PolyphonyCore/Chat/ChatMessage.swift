/// One message of a chat conversation sent to a model.
public struct ChatMessage: Sendable, Codable, Hashable {
    /// Who a message is from, in the vocabulary every provider shares.
    public enum Role: String, Sendable, Codable {
        case system, user, assistant
    }

    public var role: Role
    public var content: String

    public init(role: Role, content: String) {
        self.role = role
        self.content = content
    }

    /// A system message (instructions, persona).
    public static func system(_ content: String) -> Self { Self(role: .system, content: content) }
    /// A user message.
    public static func user(_ content: String) -> Self { Self(role: .user, content: content) }
    /// An assistant message (the model's earlier answer).
    public static func assistant(_ content: String) -> Self { Self(role: .assistant, content: content) }
}
