import ArgumentParser
import Foundation
import PolyphonyCore
import PolyphonyEngine
import PolyphonyTranscript

/// `polyphony personas list|validate [DIR]`.
struct PersonasCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "personas",
        abstract: "List and check the persona library (Markdown files with YAML front matter).",
        discussion: """
            A persona file looks like:

              ---
              id: urban-planning-senior
              name: Dr. Amara Osei
              role: member            # member, leader, critic, synthesizer, judge, human
              expertise: [urban planning, transport]   # [] = no declared expertise
              seniority: senior       # junior, mid, senior
              temperature: 0.8
              ---
              You are ... (voice and background)

            See docs/personas.md for the shipped library and its expert/control pairs.
            """,
        subcommands: [List.self, Validate.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a table of the personas in DIR (default: ./personas, else $POLYPHONY_PERSONAS, else the installed library).")

        @Argument(help: "The persona folder.") var directory: String?
        @Flag(help: "Print the personas as JSON (schema polyphony.personas/1, docs/schemas/personas.schema.json).") var json = false

        func run() async throws {
            let library = try PersonaLoader().loadLibrary(directory: directory ?? PersonasCommand.defaultFolder())
            if json {
                let rows = library.personas.map { persona in
                    PersonaRow(persona: persona, file: library.files[persona.id] ?? "")
                }
                print(String(decoding: try JSONOutput.data(PersonaList(personas: rows)), as: UTF8.self))
            } else {
                let rows = library.personas.map { persona in
                    [
                        persona.id, persona.role.rawValue,
                        persona.expertise.isEmpty ? "— (none declared)" : persona.expertise.joined(separator: ", "),
                        persona.seniority?.rawValue ?? "—",
                    ]
                }
                print(TextTable(header: ["ID", "ROLE", "EXPERTISE", "SENIORITY"], rows: rows).rendered)
                let experts = library.personas.filter(\.hasDeclaredExpertise)
                let disciplines = Set(experts.flatMap(\.expertise))
                print("\(library.personas.count) personas: \(experts.count) with declared expertise (\(disciplines.count) domains), \(library.personas.count - experts.count) without")
            }
            for problem in library.problems {
                StandardError.writeLine("polyphony: \(problem.description)")
            }
            if !library.problems.isEmpty { throw ExitCode(65) }
        }
    }

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every persona file in DIR; list every problem, one per line, and exit non-zero if any."
        )

        @Argument(help: "The persona folder (default: ./personas, else $POLYPHONY_PERSONAS, else the installed library).") var directory: String?

        func run() async throws {
            let directory = try directory ?? PersonasCommand.defaultFolder()
            let library = try PersonaLoader().loadLibrary(directory: directory)
            for problem in library.problems {
                StandardError.writeLine("polyphony: \(problem.description)")
            }
            if library.problems.isEmpty {
                print("\(library.personas.count) personas OK in \(directory)")
            } else {
                throw ExitCode(65)
            }
        }
    }
}

/// The stable `personas list --json` output, schema `polyphony.personas/1`.
private struct PersonaList: Encodable {
    let schema = "polyphony.personas/1"
    let personas: [PersonaRow]
}

/// One persona of `personas list --json`.
private struct PersonaRow: Encodable {
    let id: String
    let name: String
    let role: String
    let expertise: [String]
    let seniority: String?
    let temperature: Double?
    let backend: String?
    let file: String

    init(persona: Persona, file: String) {
        id = persona.id
        name = persona.name
        role = persona.role.rawValue
        expertise = persona.expertise
        seniority = persona.seniority?.rawValue
        temperature = persona.temperature
        backend = persona.backend
        self.file = file
    }
}

extension PersonasCommand {
    /// The folder `list` and `validate` read when none is given.
    static func defaultFolder() throws -> String {
        try PersonaFolder.locate(
            sessionFile: nil, currentDirectory: FileManager.default.currentDirectoryPath,
            environment: ProcessInfo.processInfo.environment, executable: CommandLine.arguments[0]
        )
    }
}
