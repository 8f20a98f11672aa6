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
        ("id: a\nrole: member\ncolour: red", 4),
        ("id: a\nrole: chair", 3),
        ("id: a", 2),
        ("role: member", 2),
        ("id: a\nrole: member\nexpertise: urbanism", 4),
        ("id: a\nrole: member\ntemperature: warm", 4),
        ("id: a\nrole: member\ntemperature: 7", 4),
        ("id: a\nrole: member\nseniority: emeritus", 4),
        ("id: [a, b]\nrole: member", 2),
        ("id: a\nrole: member\n  bad: indent: here", 4),
        ("id: has space\nrole: member", 2),
        ("id: a\nrole: member\ntemperature: 0.5\nrole: leader", 5),
    ])
    func aMalformedFieldIsReportedWithItsLine(frontMatter: String, line: Int) {
        let (_, problems) = loader.check("---\n\(frontMatter)\n---\nYou are A.", file: "p.md")
        #expect(problems.first?.file == "p.md")
        #expect(problems.first?.line == line)
        #expect(problems.first?.code == .invalidInput, "\(problems)")
    }

    @Test func aFileWithoutFrontMatterIsRejectedAtLineOne() {
        let error = #expect(throws: PolyphonyError.invalidInput) {
            try loader.parse("You are nobody.", file: "p.md")
        }
        #expect(error?.file == "p.md" && error?.line == 1)
    }

    @Test func unclosedFrontMatterIsRejected() {
        let error = #expect(throws: PolyphonyError.invalidInput) {
            try loader.parse("---\nid: a\nrole: member\n", file: "p.md")
        }
        #expect(error?.file == "p.md" && error?.line == 1)
    }

    @Test func anEmptyBodyIsRejectedAtTheLineAfterTheFrontMatter() {
        let (_, problems) = loader.check("---\nid: a\nrole: member\n---\n\n  \n", file: "p.md")
        #expect(problems.map(\.line) == [4])
        #expect(problems.map(\.code) == [.invalidInput])
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
        #expect(library.problems.map(\.code) == [.invalidInput])
        #expect(library.problems.first?.file == folder + "/two.md" && library.problems.first?.line == 3)
        // The file that claimed the id first is named.
        #expect(library.problems.first?.message.contains("\(folder)/one.md") == true)
    }
}
