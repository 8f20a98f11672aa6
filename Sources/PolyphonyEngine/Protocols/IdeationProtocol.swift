import PolyphonyCore

/// A way of running a group through rounds: who speaks in which phase, and what they see.
///
/// A protocol only decides the order and the briefs; the ``Orchestrator`` sends requests,
/// runs independent speakers concurrently, and records everything.
public protocol IdeationProtocol: Sendable {
    /// The name session files use in `protocol:`.
    static var name: String { get }
    /// One line for `--help` and the docs, naming the study the protocol follows.
    static var summary: String { get }

    /// Checks that the cast and rounds fit the protocol.
    /// - Throws: ``PolyphonyError`` saying what is missing (e.g. a leader).
    static func validate(cast: Cast, rounds: Int) throws

    init()

    /// Runs every round.
    func run(in session: Orchestrator) async throws
}

/// The protocols selectable by name.
public enum IdeationProtocols {
    public static let all: [any IdeationProtocol.Type] = [
        SoloProtocol.self, RoundRobinProtocol.self, LeaderLedProtocol.self,
        BrainwritingProtocol.self, CritiqueReviseProtocol.self,
    ]

    /// The names, in the order above.
    public static var names: [String] { all.map { $0.name } }

    /// The protocol type called `name`.
    public static func named(_ name: String) -> (any IdeationProtocol.Type)? {
        all.first { $0.name == name }
    }
}
