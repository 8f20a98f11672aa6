import PolyphonyCore
import PolyphonyEngine
import Testing

/// Every kind of YAML problem in a session or persona file is an invalid-input error that
/// names the file and the line the problem is on.
@Suite struct YAMLErrorLineTests {
    static let session = """
        topic: Cool streets
        protocol: solo
        rounds: 2
        participants:
          - ada
        limits:
          ideas_per_turn: 3
        """

    static let persona = """
        ---
        id: ada
        role: member
        expertise: [urbanism]
        temperature: 0.5
        ---
        Ada plans cities.
        """

    @Test(arguments: [
        ("syntax error", "rounds: 2", "rounds: [2", 4),
        ("duplicate key at its repeat", "  ideas_per_turn: 3", "  ideas_per_turn: 3\n  ideas_per_turn: 4", 8),
        ("wrong type at the value", "rounds: 2", "rounds: many", 3),
        ("wrong type in a nested mapping", "  ideas_per_turn: 3", "  ideas_per_turn: lots", 7),
        ("unknown key", "  ideas_per_turn: 3", "  ideas_per_turn: 3\n  idea_count: 2", 8),
        ("missing field at the mapping", "  - ada", "  - backend: local", 5),
        ("control character", "rounds: 2", "rounds: 2\nseed: 4\u{7}", 4),
    ])
    func aSessionProblemIsReportedAtItsLine(kind: String, original: String, replacement: String, line: Int) {
        let text = Self.session.replacingOccurrences(of: original, with: replacement)
        let error = #expect(throws: PolyphonyError.invalidInput, "\(kind)") { try SessionLoader().parse(text, file: "s.yaml") }
        #expect(error?.file == "s.yaml", "\(kind)")
        #expect(error?.line == line, "\(kind)")
    }

    @Test(arguments: [
        ("syntax error", "expertise: [urbanism]", "expertise: [urbanism", 5),
        ("duplicate key at its repeat", "id: ada", "id: ada\nid: bob", 3),
        ("wrong type at the value", "temperature: 0.5", "temperature: warm", 5),
        ("wrong type in a list", "expertise: [urbanism]", "expertise: [[urbanism]]", 4),
        ("unknown key", "temperature: 0.5", "temperature: 0.5\ncolour: red", 6),
        ("missing field at the mapping", "role: member\n", "", 2),
        ("control character", "expertise: [urbanism]", "expertise: [urbanism\u{7}]", 4),
    ])
    func aPersonaProblemIsReportedAtItsLine(kind: String, original: String, replacement: String, line: Int) {
        let text = Self.persona.replacingOccurrences(of: original, with: replacement)
        let error = #expect(throws: PolyphonyError.invalidInput, "\(kind)") { try PersonaLoader().parse(text, file: "p.md") }
        #expect(error?.file == "p.md", "\(kind)")
        #expect(error?.line == line, "\(kind)")
    }
}
