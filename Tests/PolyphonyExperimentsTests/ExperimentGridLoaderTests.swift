import PolyphonyCore
import PolyphonyExperiments
import Testing

@Suite struct ExperimentGridLoaderTests {
    static let grid = """
        name: study
        defaults:
          backend: local
          rounds: 2
          limits: { ideas_per_turn: 4 }
        conditions:
          solo:
            protocol: solo
            participants: [urban-planning-senior]
          team:
            protocol: brainwriting
            rounds: 1
            participants: [urban-planning-senior, human]
            human_script: |
              1. Shade the bus stops first.

        topics:
          - How might a city keep streets cool?
          - id: water
            text: How might a town save water?
        replicates: 3
        scoring: { bootstrap: 500, threshold: 0.7, metrics: [vendi, yield] }
        """

    @Test func conditionsCrossTopicsAndSeedsInAFixedOrder() throws {
        let grid = try ExperimentGridLoader().parse(Self.grid, file: "g.yaml")
        #expect(grid.runs.count == 2 * 2 * 3)
        #expect(grid.runs.prefix(4).map(\.id) == ["solo__t1__s1", "solo__t1__s2", "solo__t1__s3", "solo__water__s1"])
        #expect(grid.runs.last?.id == "team__water__s3")
        #expect(grid.runs.first?.spec.topic == "How might a city keep streets cool?")
        #expect(grid.runs.first?.spec.seed == 1)
    }

    @Test func scoringReferenceTakesOnePoolOrAList() throws {
        let one = try ExperimentGridLoader().parse(Self.grid.replacingOccurrences(of: "metrics: [vendi, yield] }", with: "reference: pool.jsonl }"), file: "g.yaml")
        #expect(one.scoring.reference == ["pool.jsonl"])
        let two = try ExperimentGridLoader().parse(Self.grid.replacingOccurrences(of: "metrics: [vendi, yield] }", with: "reference: [a.jsonl, b.csv], metrics: [hivemind_share, originality] }"), file: "g.yaml")
        #expect(two.scoring.reference == ["a.jsonl", "b.csv"])
        #expect(two.scoring.metrics == ["hivemind_share", "originality"])
    }

    @Test func conditionFieldsOverrideDefaultsAndTheRestApply() throws {
        let grid = try ExperimentGridLoader().parse(Self.grid, file: "g.yaml")
        let solo = try #require(grid.runs.first { $0.condition == "solo" })
        let team = try #require(grid.runs.first { $0.condition == "team" })
        #expect(solo.spec.rounds == 2 && team.spec.rounds == 1)
        #expect(solo.spec.defaultBackend == "local" && solo.spec.ideasPerTurn == 4)
        #expect(team.humanScript == ["1. Shade the bus stops first.", ""])
        #expect(grid.scoring.bootstrapResamples == 500 && grid.scoring.threshold == 0.7 && grid.scoring.metrics == ["vendi", "yield"])
    }

    @Test(arguments: [
        ("protocol: solo", "protocol: brainstorm", 8),
        ("replicates: 3", "replicates: 3\nseeds: [1]", 22),
        ("  team:", "  te am:", 10),
        ("metrics: [vendi, yield]", "metrics: [vendi, spread]", 22),
        ("    rounds: 1", "    rounds: 1\n    output: x.jsonl", 13),
        ("replicates: 3", "replicates: 3\nreplicates: 4", 22),
        ("    rounds: 1", "    rounds: 1\n    rounds: 2", 13),
        ("replicates: 3", "replicates: 3\ncontrasts:\n  - [solo, team]\n  - [team, crowd]", 24),
        ("replicates: 3", "replicates: 3\ncontrasts:\n  - [solo, solo]", 23),
        ("replicates: 3", "replicates: 3\ncontrasts: [[solo, team], [team, solo]]", 22),
        ("replicates: 3", "replicates: [3", 22),
        ("replicates: 3", "replicates: many", 21),
        ("replicates: 3", "replicates: 3\ncolour: red", 22),
        ("    participants: [urban-planning-senior]\n", "", 8),
        ("replicates: 3", "replicates: 3\u{7}", 21),
    ])
    func aMistakeIsReportedWithTheGridFileAndLine(original: String, replacement: String, line: Int) {
        let text = Self.grid.replacingOccurrences(of: original, with: replacement)
        let error = #expect(throws: PolyphonyError.invalidInput) { try ExperimentGridLoader().parse(text, file: "g.yaml") }
        #expect(error?.file == "g.yaml")
        #expect(error?.line == line)
    }

    /// The root's problems (missing fields, a root that is not a mapping) are reported at the
    /// root's line, not at line 1, when comments come first.
    @Test(arguments: [
        ("# a study\n\nname: x\ntopics: [a]\n", 3),
        ("# a study\n- a\n- b\n", 2),
        ("# a study\nname: x\nconditions:\n  solo:\n    protocol: solo\n    participants: [a]\n", 2),
    ])
    func aProblemOfTheWholeGridIsReportedAtTheRootsLine(text: String, line: Int) {
        let error = #expect(throws: PolyphonyError.invalidInput) { try ExperimentGridLoader().parse(text, file: "g.yaml") }
        #expect(error?.file == "g.yaml")
        #expect(error?.line == line)
    }

    @Test func plannedContrastsAreReadInFileOrderWithTheirLines() throws {
        let text = Self.grid.replacingOccurrences(of: "replicates: 3", with: "replicates: 3\ncontrasts:\n  - [team, solo]")
        let grid = try ExperimentGridLoader().parse(text, file: "g.yaml")
        #expect(grid.contrasts == [ExperimentGrid.Contrast(first: "team", second: "solo", line: 23)])
        #expect(try ExperimentGridLoader().parse(Self.grid, file: "g.yaml").contrasts.isEmpty)
    }

    @Test(arguments: [1, 2, 3, 5, 12, 20])
    func theSlicesOfAGridTakeEveryRunExactlyOnce(count: Int) throws {
        let grid = try ExperimentGridLoader().parse(Self.grid, file: "g.yaml")
        let slices = try (1...count).map { try Shard(parsing: "\($0)/\(count)").select(grid.runs).map(\.id) }
        let all = slices.flatMap { $0 }
        #expect(all.count == grid.runs.count)
        #expect(Set(all) == Set(grid.runs.map(\.id)))
        #expect(slices.map(\.count).max()! - slices.map(\.count).min()! <= 1)
    }

    @Test(arguments: ["0/2", "3/2", "1", "a/b", "1/0", "-1/2"])
    func aMalformedShardIsRejected(text: String) {
        #expect(throws: PolyphonyError.invalidInput) { try Shard(parsing: text) }
    }
}
