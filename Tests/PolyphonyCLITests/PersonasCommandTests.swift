import Foundation
import Testing

@Suite struct PersonasCommandTests {
    private let valid = """
        ---
        id: ada
        name: Ada Ortiz
        role: member
        expertise: [urban planning]
        seniority: senior
        temperature: 0.7
        ---
        You are Ada.
        """

    @Test func validateExitsZeroForAValidFolder() async throws {
        let folder = try TemporaryFolder()
        try folder.write("ada.md", valid)
        let result = try await CLIHarness.run(["personas", "validate", folder.path])
        #expect(result.status == 0)
        #expect(result.stdout.contains("1 personas OK"))
    }

    @Test func validateListsEveryProblemOnItsOwnLineAndExitsNonZero() async throws {
        let folder = try TemporaryFolder()
        try folder.write("ada.md", valid)
        try folder.write("bad.md", "---\nid: bad\nrole: boss\nexpertize: x\n---\nYou are bad.\n")
        try folder.write("twin.md", valid.replacingOccurrences(of: "Ada Ortiz", with: "Twin"))
        let result = try await CLIHarness.run(["personas", "validate", folder.path])
        #expect(result.status == 65)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.contains { $0.contains("bad.md:3: field 'role' has unknown value 'boss'") })
        #expect(lines.contains { $0.contains("bad.md:4: unknown field 'expertize'") })
        #expect(lines.contains { $0.contains("twin.md:2: duplicate id 'ada'") })
    }

    @Test func listPrintsRoleExpertiseAndSeniority() async throws {
        let folder = try TemporaryFolder()
        try folder.write("ada.md", valid)
        let result = try await CLIHarness.run(["personas", "list", folder.path])
        #expect(result.status == 0)
        #expect(result.stdout.contains("ada  member  urban planning  senior"))
    }

    @Test func aMissingFolderIsOneLineAndNonZero() async throws {
        let result = try await CLIHarness.run(["personas", "validate", "/nonexistent/personas"])
        #expect(result.status != 0)
        #expect(result.stderr == "polyphony: /nonexistent/personas: no such folder\n")
    }

    @Test func theShippedLibraryValidates() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let result = try await CLIHarness.run(["personas", "list", "--json", root.path + "/personas"])
        #expect(result.status == 0, "\(result.stderr)")
        let list = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
        #expect(list["schema"] as? String == "polyphony.personas/1")
        let rows = list["personas"] as? [[String: Any]] ?? []
        #expect(rows.count >= 16)
        let experts = rows.filter { !($0["expertise"] as? [String] ?? []).isEmpty }
        #expect(Set(experts.flatMap { $0["expertise"] as? [String] ?? [] }).count >= 6)
        #expect(rows.contains { ($0["expertise"] as? [String])?.isEmpty == true && $0["role"] as? String == "member" })
    }
}
