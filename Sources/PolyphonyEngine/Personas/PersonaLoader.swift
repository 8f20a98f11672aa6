import Foundation
import PolyphonyCore
import PolyphonyTranscript
import PolyphonyYAML

/// Reads persona files: Markdown with YAML front matter between `---` lines.
///
/// Validation is strict because personas are the manipulated variable of an experiment:
/// a misspelt `expertize:` would silently turn an expert into a control.
public struct PersonaLoader: Sendable {
    /// The front-matter keys a persona may have.
    public static let allowedKeys = ["id", "name", "role", "expertise", "seniority", "temperature", "backend"]

    /// The result of reading a folder: every persona that parsed, and every problem found.
    public struct Library: Sendable {
        public var personas: [Persona]
        /// The file each persona came from, by id.
        public var files: [String: String]
        public var problems: [PolyphonyError]
        /// Ids claimed by more than one file; a session must not use them.
        public var duplicateIDs: Set<String> = []

        /// The persona with this id.
        public func persona(id: String) -> Persona? { personas.first { $0.id == id } }
    }

    public init() {}

    /// Parses one persona file.
    /// - Throws: ``PolyphonyError`` naming the file and line of the first problem.
    public func load(file: String) throws -> Persona {
        try parse(try TextFile.read(file), file: file)
    }

    /// Parses persona text; `file` is used in errors only.
    /// - Throws: ``PolyphonyError`` for the first problem found.
    public func parse(_ text: String, file: String) throws -> Persona {
        let (persona, problems) = check(text, file: file)
        if let first = problems.first { throw first }
        guard let persona else { throw PolyphonyError.invalidInput("not a persona file", file: file, line: 1) }
        return persona
    }

    /// Parses persona text and reports every problem found, not only the first.
    /// - Returns: The persona when there were no problems, and the problems in line order.
    public func check(_ text: String, file: String) -> (Persona?, [PolyphonyError]) {
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n")
        guard let first = lines.first, first.trimmingCharacters(in: .whitespaces).trimmingPrefix("\u{FEFF}") == "---" else {
            return (nil, [.invalidInput("a persona file starts with a '---' line opening its YAML front matter", file: file, line: 1)])
        }
        guard let closing = lines.indices.dropFirst().first(where: { lines[$0].trimmingCharacters(in: .whitespaces) == "---" }) else {
            return (nil, [.invalidInput("the front matter opened on line 1 is never closed by a '---' line", file: file, line: 1)])
        }
        let fields: YAMLMapping
        do {
            fields = try YAMLDocument.parseMapping(lines[1..<closing].joined(separator: "\n"), file: file, lineOffset: 1)
        } catch {
            return (nil, [error as? PolyphonyError ?? .invalidInput("\(error)", file: file, line: 1)])
        }
        var problems: [PolyphonyError] = []
        func attempt<T>(_ read: () throws -> T) -> T? {
            do {
                return try read()
            } catch {
                problems.append(error as? PolyphonyError ?? .invalidInput("\(error)", file: file))
                return nil
            }
        }
        for (key, line) in fields.keys where !Self.allowedKeys.contains(key) {
            problems.append(.invalidInput("unknown field '\(key)' (allowed: \(Self.allowedKeys.joined(separator: ", ")))", file: file, line: line))
        }
        let id = attempt { () throws -> String in
            let id = try fields.requiredString("id")
            guard id.range(of: #"^[A-Za-z0-9][A-Za-z0-9_.-]*$"#, options: .regularExpression) != nil else {
                throw PolyphonyError.invalidInput("field 'id' should be letters, digits, '-', '_' or '.', found \"\(id)\"", file: file, line: fields.line(of: "id"))
            }
            return id
        }
        let name = attempt { try fields.optionalString("name") }
        let role = attempt { () throws -> Persona.Role in
            guard let role = try fields.optionalEnum("role", Persona.Role.self) else {
                throw PolyphonyError.invalidInput("missing required field 'role' (one of: \(Persona.Role.allCases.map(\.rawValue).joined(separator: ", ")))", file: file, line: fields.line)
            }
            return role
        }
        let expertise = attempt { () throws -> [String] in
            let expertise = try fields.stringList("expertise") ?? []
            if let blank = expertise.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
                throw PolyphonyError.invalidInput("field 'expertise' has an empty entry at position \(blank + 1)", file: file, line: fields.line(of: "expertise"))
            }
            return expertise
        }
        let seniority = attempt { try fields.optionalEnum("seniority", Persona.Seniority.self) }
        let temperature = attempt { try fields.optionalDouble("temperature", in: 0...2) }
        let backend = attempt { try fields.optionalString("backend") }
        let body = lines[(closing + 1)...].joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        if body.isEmpty {
            problems.append(.invalidInput("the persona has no body: write its voice and background below the front matter", file: file, line: closing + 1))
        }
        problems.sort { ($0.line ?? 0) < ($1.line ?? 0) }
        guard problems.isEmpty, let id, let role, let expertise, let name, let seniority, let temperature, let backend else {
            return (nil, problems)
        }
        let persona = Persona(
            id: id, name: name ?? id, role: role, expertise: expertise, seniority: seniority,
            temperature: temperature, backend: backend, body: body
        )
        return (persona, [])
    }

    /// Reads every `*.md` file in `directory`, collecting problems instead of stopping at the
    /// first, so `personas validate` can list them all.
    /// - Throws: ``PolyphonyError`` only when the folder itself cannot be read.
    public func loadLibrary(directory: String) throws -> Library {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw PolyphonyError.io("no such folder", file: directory)
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".md") }.sorted()
        } catch {
            throw PolyphonyError.io("cannot list folder: \(error.localizedDescription)", file: directory)
        }
        var library = Library(personas: [], files: [:], problems: [])
        for name in names where name.lowercased() != "readme.md" {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path) else {
                library.problems.append(.io("cannot be read", file: path))
                continue
            }
            guard let text = String(data: data, encoding: .utf8) else {
                library.problems.append(.invalidInput("not UTF-8 text", file: path, line: 1))
                continue
            }
            let (parsed, problems) = check(text, file: path)
            library.problems += problems
            guard let persona = parsed else { continue }
            if let earlier = library.files[persona.id] {
                library.duplicateIDs.insert(persona.id)
                library.problems.append(.invalidInput("duplicate id '\(persona.id)', already used by \(earlier)", file: path, line: idLine(in: text)))
                continue
            }
            library.personas.append(persona)
            library.files[persona.id] = path
        }
        return library
    }

    private func idLine(in text: String) -> Int? {
        let lines = text.components(separatedBy: "\n")
        return lines.firstIndex { $0.hasPrefix("id:") }.map { $0 + 1 }
    }
}
