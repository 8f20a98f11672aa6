import Foundation
import PolyphonyCore
import Testing
@testable import PolyphonyScoring

struct ThresholdCalibrationTests {
    // Group g1 on the unit circle: A1 0°, A2 10°, B1 60°, B2 70°, C on the z axis.
    // cos 10° = 0.985, cos 50° = 0.643, cos 60° = 0.5, cos 70° = 0.342.
    private static let embedder = FixedEmbedder(vectors: [
        "a1": FixedEmbedder.angle(0), "a2": FixedEmbedder.angle(10),
        "b1": FixedEmbedder.angle(60), "b2": FixedEmbedder.angle(70), "c": [0, 0, 1],
    ])
    private static let coded = """
        text,group,label
        a1,g1,A
        a2,g1,A
        b1,g1,B
        b2,g1,B
        c,g1,C

        """

    private func calibrate(_ thresholds: [Float] = ThresholdCalibration().thresholds) async throws -> CalibrationResult {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let coded = try ThresholdCalibration.readCoded(path: try scratch.write("coded.csv", Self.coded))
        return try await ThresholdCalibration(thresholds: thresholds).calibrate(coded, embedder: Self.embedder, source: "coded.csv")
    }

    @Test func recommendedThresholdReproducesTheHumanLabels() async throws {
        let result = try await calibrate()
        #expect(result.recommended.adjustedRandIndex == 1)
        #expect(result.recommended.clusters == 3)
        #expect(result.humanClusters == 3)
        // The perfect plateau is (0.5, 0.985]; the grid's part of it is 0.51…0.95, middle 0.73.
        #expect(abs(result.recommended.threshold - 0.73) < 1e-6)
        let clusters = await NearDuplicateClustering(threshold: Float(result.recommended.threshold))
            .cluster(try EmbeddingMatrix(try await Self.embedder.embed(["a1", "a2", "b1", "b2", "c"])).normalized())
        #expect(clusters.assignments == [0, 0, 1, 1, 2])
    }

    @Test func adjustedRandIndexAtEachRegimeMatchesHandComputation() async throws {
        let result = try await calibrate([0.30, 0.45, 0.80, 0.99])
        let ari = Dictionary(uniqueKeysWithValues: result.points.map { (Int(($0.threshold * 100).rounded()), $0.adjustedRandIndex) })
        // 0.30: {A1 A2 B1 B2}{C}: index 2, expected 6·2/10, max 4 → 0.8/2.8 = 2/7.
        #expect(abs((ari[30] ?? 9) - 2.0 / 7.0) < 1e-12)
        // 0.45: B1 joins A1 (0.5), B2 founds its own: index 1, expected 3·2/10, max 2.5 → 0.4/1.9 = 4/19.
        #expect(abs((ari[45] ?? 9) - 4.0 / 19.0) < 1e-12)
        #expect(ari[80] == 1)
        // 0.99: all singletons: index 0, expected 0, max 1 → 0.
        #expect(ari[99] == 0)
        #expect(result.points.map(\.clusters) == [2, 3, 3, 5])
        #expect(result.literaturePoint?.adjustedRandIndex == 1)
    }

    @Test func groupsAreClusteredSeparately() async throws {
        let coded = [
            ThresholdCalibration.CodedIdea(text: "a1", group: "g1", label: "A"),
            ThresholdCalibration.CodedIdea(text: "a1", group: "g2", label: "A"),
        ]
        let result = try await ThresholdCalibration(thresholds: [0.8]).calibrate(coded, embedder: Self.embedder, source: "x")
        #expect(result.points[0].clusters == 2)
        #expect(result.humanClusters == 2)
        #expect(result.points[0].adjustedRandIndex == 1)
    }

    @Test func thresholdFileRoundTripsAndRefusesAnotherEmbedder() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let result = try await calibrate()
        let path = scratch.path + "/threshold.json"
        try result.thresholdFile.write(to: path)
        let read = try ThresholdFile.read(from: path, embedder: "fixed")
        #expect(read.threshold == result.recommended.threshold)
        let error = #expect(throws: PolyphonyError.invalidInput) {
            try ThresholdFile.read(from: path, embedder: "lexical-hash-384")
        }
        #expect(error?.file == path)
    }

    @Test func aVersionOneThresholdFileInCamelCaseIsStillRead() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = try scratch.write("old.threshold.json", """
            {"adjustedRandIndex": 0.9, "clusters": 3, "embedder": "fixed", "humanClusters": 3,
             "ideas": 6, "schema": "polyphony.threshold/1", "source": "coded.csv", "threshold": 0.62}
            """)
        let read = try ThresholdFile.read(from: path, embedder: "fixed")
        #expect(read.threshold == 0.62 && read.humanClusters == 3 && read.adjustedRandIndex == 0.9)
        let written = scratch.path + "/new.threshold.json"
        try read.write(to: written)
        #expect(try String(contentsOfFile: written, encoding: .utf8).contains("\"human_clusters\""))
        #expect(try ThresholdFile.read(from: written, embedder: "fixed") == read, "written back as version 2, it reads the same")
    }

    @Test func codedRowWithoutLabelNamesItsLine() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = try scratch.write("coded.csv", "text,label\nx,A\ny,\n")
        let error = #expect(throws: PolyphonyError.invalidInput) {
            try ThresholdCalibration.readCoded(path: path)
        }
        #expect(error?.file == path && error?.line == 3)
    }
}
