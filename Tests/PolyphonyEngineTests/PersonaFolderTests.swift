import Foundation
import PolyphonyCore
import PolyphonyEngine
import Testing

@Suite struct PersonaFolderTests {
    @Test func theCandidateFoldersGoFromTheSessionOutward() {
        let folders = PersonaFolder.candidates(
            sessionFile: "studies/heat/s.yaml", currentDirectory: "/work", environment: ["POLYPHONY_PERSONAS": "/opt/personas"],
            executable: "/src/polyphony/.build/x86_64-unknown-linux-gnu/release/polyphony"
        )
        #expect(folders == [
            "/work/studies/heat/personas", "/work/studies/personas", "/work/personas", "/opt/personas",
            "/src/polyphony/.build/x86_64-unknown-linux-gnu/share/polyphony/personas", "/src/polyphony/personas",
        ])
    }

    @Test func noPersonaFolderAnywhereIsAnErrorNamingEveryPlaceLookedIn() throws {
        let root = NSTemporaryDirectory() + "polyphony-personas-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root + "/empty/personas", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let error = #expect(throws: PolyphonyError.io) {
            try PersonaFolder.locate(sessionFile: "s.yaml", currentDirectory: root + "/empty", environment: [:], executable: root + "/bin/polyphony")
        }
        for folder in [root + "/empty/personas", root + "/personas", root + "/share/polyphony/personas"] {
            #expect(error?.description.contains(folder) == true, "\(folder) missing from: \(error?.description ?? "")")
        }
    }

    @Test func aFolderWithPersonaFilesWinsOverLaterOnes() throws {
        let root = NSTemporaryDirectory() + "polyphony-personas-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root + "/study/personas", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/personas", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try "x".write(toFile: root + "/personas/a.md", atomically: true, encoding: .utf8)
        // The study's own folder has no persona files yet, so the next candidate is used.
        #expect(try PersonaFolder.locate(sessionFile: root + "/study/s.yaml", currentDirectory: "/", environment: [:], executable: "/bin/x") == root + "/personas")
        try "y".write(toFile: root + "/study/personas/b.md", atomically: true, encoding: .utf8)
        #expect(try PersonaFolder.locate(sessionFile: root + "/study/s.yaml", currentDirectory: "/", environment: [:], executable: "/bin/x") == root + "/study/personas")
    }
}
