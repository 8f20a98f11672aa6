import Foundation
import PolyphonyCore
import PolyphonyTranscript
import Testing
@testable import PolyphonyEngine

@Suite struct PersonaLoaderTests {
    private let loader = PersonaLoader()

    @Test func aCompleteFileParsesEveryField() throws {
        let persona = try loader.parse("""
            ---
            id: ada
            name: Ada Ortiz
            role: member
            expertise: [urban planning, hydrology]
            seniority: junior
            temperature: 0.9
            backend: local
            ---
            You are Ada.

            More background.
            """, file: "ada.md")
        #expect(persona == Persona(id: "ada", name: "Ada Ortiz", role: .member, expertise: ["urban planning", "hydrology"], seniority: .junior, temperature: 0.9, backend: "local", body: "You are Ada.\n\nMore background."))
    }

    @Test func anEmptyExpertiseListMeansNoDeclaredExpertise() throws {
        let persona = try loader.parse("---\nid: g\nrole: member\nexpertise: []\n---\nYou are G.", file: "g.md")
        #expect(!persona.hasDeclaredExpertise)
    }

    @Test(arguments: [
        ("id: a\nrole: member\ncolour: red", 4, "unknown field 'colour'"),
        ("id: a\nrole: chair", 3, "field 'role' has unknown value 'chair'"),
        ("id: a", 2, "missing required field 'role'"),
        ("role: member", 2, "missing required field 'id'"),
        ("id: a\nrole: member\nexpertise: urbanism", 4, "field 'expertise' should be a list"),
        ("id: a\nrole: member\ntemperature: warm", 4, "field 'temperature' should be a number, found \"warm\""),
        ("id: a\nrole: member\ntemperature: 7", 4, "field 'temperature' should be between 0.0 and 2.0"),
        ("id: a\nrole: member\nseniority: emeritus", 4, "field 'seniority' has unknown value 'emeritus'"),
        ("id: [a, b]\nrole: member", 2, "field 'id' should be text, found a list"),
        ("id: a\nrole: member\n  bad: indent: here", 4, "not valid YAML"),
        ("id: has space\nrole: member", 2, "field 'id' should be letters, digits"),
        ("id: a\nrole: member\ntemperature: 0.5\nrole: leader", 5, "field 'role' appears twice (first on line 3)"),
    ])
    func aMalformedFieldIsReportedWithItsLine(frontMatter: String, line: Int, message: String) {
        let (_, problems) = loader.check("---\n\(frontMatter)\n---\nYou are A.", file: "p.md")
        #expect(problems.first?.file == "p.md")
        #expect(problems.first?.line == line)
        #expect(problems.first?.message.contains(message) == true, "\(problems)")
    }

    @Test func aFileWithoutFrontMatterIsRejectedAtLineOne() {
        #expect(throws: PolyphonyError.invalidInput("a persona file starts with a '---' line opening its YAML front matter", file: "p.md", line: 1)) {
            try loader.parse("You are nobody.", file: "p.md")
        }
    }

    @Test func unclosedFrontMatterIsRejected() {
        #expect(throws: PolyphonyError.invalidInput("the front matter opened on line 1 is never closed by a '---' line", file: "p.md", line: 1)) {
            try loader.parse("---\nid: a\nrole: member\n", file: "p.md")
        }
    }

    @Test func anEmptyBodyIsRejectedAtTheLineAfterTheFrontMatter() {
        let (_, problems) = loader.check("---\nid: a\nrole: member\n---\n\n  \n", file: "p.md")
        #expect(problems.map(\.line) == [4])
        #expect(problems.first?.message.contains("no body") == true)
    }

    @Test func everyProblemInAFileIsReportedInLineOrder() {
        let (_, problems) = loader.check("---\nid: a\nrole: boss\ncolour: red\ntemperature: hot\n---\nYou are A.", file: "p.md")
        #expect(problems.map(\.line) == [3, 4, 5])
    }

    @Test func duplicateIdsInAFolderAreReportedWithTheFirstFile() throws {
        let folder = NSTemporaryDirectory() + "personas-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "---\nid: a\nrole: member\n---\nOne.".write(toFile: folder + "/one.md", atomically: true, encoding: .utf8)
        try "---\nrole: member\nid: a\n---\nTwo.".write(toFile: folder + "/two.md", atomically: true, encoding: .utf8)
        let library = try loader.loadLibrary(directory: folder)
        #expect(library.personas.count == 1)
        #expect(library.problems == [.invalidInput("duplicate id 'a', already used by \(folder)/one.md", file: folder + "/two.md", line: 3)])
    }
}
