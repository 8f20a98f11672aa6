import Foundation
import PolyphonyCore
import PolyphonyExperiments
import Testing

/// Where `polyphony baseline` finds its topics.
@Suite struct BaselineTopicsTests {
    private func write(_ name: String, _ contents: String, in folder: String) throws -> String {
        let path = folder + "/" + name
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func textsSessionsAndGridsGiveTopicsInOrderFirstOfEachIdKept() throws {
        let folder = NSTemporaryDirectory() + "baseline-topics-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let session = try write("heat.yaml", """
            topic: How might a city keep streets cool?
            protocol: solo
            rounds: 1
            participants: [urban-planning-senior]
            """, in: folder)
        let grid = try write("grid.yaml", ExperimentGridLoaderTests.grid, in: folder)
        let topics = try BaselineTopics.gather(texts: ["Quieter nights?"], files: [session, grid, session])
        #expect(topics.map(\.id) == ["t1", "heat", "water"])
        #expect(topics.map(\.text) == ["Quieter nights?", "How might a city keep streets cool?", "How might a town save water?"])
    }

    @Test func anUnreadableFileIsNamedInTheError() {
        let error = #expect(throws: PolyphonyError.self) {
            try BaselineTopics.gather(texts: [], files: ["/nonexistent/session.yaml"])
        }
        #expect(error?.file == "/nonexistent/session.yaml")
    }
}
