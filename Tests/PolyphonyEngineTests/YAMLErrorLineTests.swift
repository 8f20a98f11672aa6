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

    /// The session or persona file (by its extension) with `original` replaced.
    static func parse(_ file: String, replacing original: String, with replacement: String) throws {
        if file.hasSuffix(".md") {
            _ = try PersonaLoader().parse(persona.replacingOccurrences(of: original, with: replacement), file: file)
        } else {
            _ = try SessionLoader().parse(session.replacingOccurrences(of: original, with: replacement), file: file)
        }
    }

    @Test(arguments: [
        ("s.yaml", "syntax error", "rounds: 2", "rounds: [2", 4),
        ("s.yaml", "duplicate key at its repeat", "  ideas_per_turn: 3", "  ideas_per_turn: 3\n  ideas_per_turn: 4", 8),
        ("s.yaml", "wrong type at the value", "rounds: 2", "rounds: many", 3),
        ("s.yaml", "wrong type in a nested mapping", "  ideas_per_turn: 3", "  ideas_per_turn: lots", 7),
        ("s.yaml", "unknown key", "  ideas_per_turn: 3", "  ideas_per_turn: 3\n  idea_count: 2", 8),
        ("s.yaml", "missing field at the mapping", "  - ada", "  - backend: local", 5),
        ("s.yaml", "control character", "rounds: 2", "rounds: 2\nseed: 4\u{7}", 4),
        ("p.md", "syntax error", "expertise: [urbanism]", "expertise: [urbanism", 5),
        ("p.md", "duplicate key at its repeat", "id: ada", "id: ada\nid: bob", 3),
        ("p.md", "wrong type at the value", "temperature: 0.5", "temperature: warm", 5),
        ("p.md", "wrong type in a list", "expertise: [urbanism]", "expertise: [[urbanism]]", 4),
        ("p.md", "unknown key", "temperature: 0.5", "temperature: 0.5\ncolour: red", 6),
        ("p.md", "missing field at the mapping", "role: member\n", "", 2),
        ("p.md", "control character", "expertise: [urbanism]", "expertise: [urbanism\u{7}]", 4),
    ])
    func aProblemIsReportedAtItsLine(file: String, kind: String, original: String, replacement: String, line: Int) {
        let error = #expect(throws: PolyphonyError.invalidInput, "\(file): \(kind)") {
            try Self.parse(file, replacing: original, with: replacement)
        }
        #expect(error?.file == file, "\(kind)")
        #expect(error?.line == line, "\(file): \(kind)")
    }
}
