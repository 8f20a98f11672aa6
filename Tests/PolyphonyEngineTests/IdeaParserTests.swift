import Foundation
import Testing
import PolyphonyCore
@testable import PolyphonyEngine

@Suite struct IdeaParserTests {
    let parser = IdeaParser()

    @Test func aNumberedListGivesOneIdeaPerItemWithContinuationLinesJoined() {
        let ideas = parser.parse("Here are my ideas:\n1. Shade sails over bus stops\n   made of recycled fabric\n2) Night-time cooling centres\n\nThanks!")
        #expect(ideas.map(\.text) == ["Shade sails over bus stops made of recycled fabric", "Night-time cooling centres"])
    }

    @Test func bulletsAndBoldTitlesAreAccepted() {
        let ideas = parser.parse("- **Cool roofs**: paint roofs white\n* Misting stations at tram stops")
        #expect(ideas.map(\.text) == ["Cool roofs: paint roofs white", "Misting stations at tram stops"])
    }

    @Test func buildsOnReferencesBecomeParentsAndLeaveTheText() {
        let ideas = parser.parse("1. Extend the shade sails to schools (builds on i3, i7)")
        #expect(ideas == [IdeaParser.ParsedIdea(text: "Extend the shade sails to schools", buildsOn: ["i3", "i7"])])
    }

    @Test func jsonIdeasArePreferredAndMayHideInACodeFence() {
        let text = "Sure!\n```json\n{\"ideas\": [{\"text\": \"Water refill map\", \"builds_on\": [\"i2\"]}, \"Tree canopy targets\"]}\n```"
        #expect(parser.parse(text) == [IdeaParser.ParsedIdea(text: "Water refill map", buildsOn: ["i2"]), IdeaParser.ParsedIdea(text: "Tree canopy targets")])
    }

    @Test func jsonIdeasAreFoundAfterProseThatHoldsBracesOfItsOwn() {
        let text = "I filled in {city} as asked.\n{\"ideas\": [\"Water refill map\", \"Tree canopy targets\"]}\nHope {this} helps."
        #expect(parser.parse(text).map(\.text) == ["Water refill map", "Tree canopy targets"])
    }

    @Test func echoedIdIdsAreListMarkersAsSmallModelsWriteThem() {
        let ideas = parser.parse("[i1] Building a shelter network\n[i2] Eco-lodges in every district")
        #expect(ideas.map(\.text) == ["Building a shelter network", "Eco-lodges in every district"])
    }

    @Test func proseWithoutAListIsOneIdeaOnlyWhenAsked() {
        #expect(parser.parse("Plant more trees along the main streets.").map(\.text) == ["Plant more trees along the main streets."])
        #expect(parser.parse("Plant more trees along the main streets.", wholeAnswerFallback: false).isEmpty)
    }

    @Test func aWholeAnswerCitesEveryIdeaItMentions() {
        let idea = parser.wholeAnswer("Combine shade [i1] with roofs [i4] and again [i1].")
        #expect(idea?.buildsOn == ["i1", "i4"])
    }

    @Test func theStructuredSchemaAllowsAtMostIdeasPerTurnShortIdeas() {
        let ideas = IdeaParser.schema(maxIdeas: 3)["properties"]?["ideas"]
        #expect(ideas?["maxItems"] == .number(3))
        #expect(ideas?["minItems"] == .number(1))
        #expect(ideas?["items"]?["properties"]?["text"]?["maxLength"] == .number(Double(IdeaParser.maxIdeaLength)))
    }

    @Test(arguments: [
        " Shade trees", "Shade trees ", "Shade  trees", "**Shade** trees", "Shade __trees__", "```json Shade", "Shade\ttrees",
        "Shade\ntrees", "Shade trées", "Shade\u{00A0}trees",
    ])
    func theFastPathLeavesEveryTextThatCleaningWouldChangeToTheFullCleaning(text: String) {
        #expect(!IdeaParser.isClean(text))
    }

    @Test func aPlainIdeaTakesTheFastPathAndComesOutUnchanged() {
        let text = "Plant shade trees on every south-facing street (a *cheap* fix): 10% cooler."
        #expect(IdeaParser.isClean(text))
        #expect(parser.parse("1. " + text) == [IdeaParser.ParsedIdea(text: text)])
    }
}

/// The byte-level list-item reader agrees with the pattern it replaces on every line.
@Suite struct IdeaParserItemMarkerTests {
    /// What the pattern alone says, as the parser said it before the byte-level reader.
    private static func byPattern(_ line: String) -> String? {
        let range = NSRange(line.startIndex..., in: line)
        guard let match = IdeaParser.itemPattern.firstMatch(in: line, range: range), let body = Range(match.range(at: 1), in: line) else { return nil }
        return String(line[body])
    }

    static let lines: [String] = {
        let markers = [
            "1.", "12)", "123:", "1234.", "7]", "1 .", "1  )", "Idea 3:", "idea3.", "IDEA  12)", "ideas 1.", "idea", "-", "*", "+", "•", "--",
            "**Bold**", "##", "## 3", "### 4.", "#### 5)", "##### 6", "#7", "##x", "## 12:", "[i3]", "[I12]", "[abc1234]", "[abcd]", "[ab12345]",
            "[]", "[1]", "x.", "", "\u{00A0}1.", "١.", "1\u{00A0}.", "•\u{301}",
        ]
        let lead = ["", " ", "   ", "    ", "\t", " \t "]
        let gaps = ["", " ", "  ", "\t", "\u{00A0}", " \u{3000}"]
        let rests = ["Shade sails over bus stops", "", "é first", "  spaced", "(builds on i3)"]
        var lines: [String] = []
        for marker in markers {
            for prefix in lead {
                for gap in gaps {
                    for rest in rests { lines.append(prefix + marker + gap + rest) }
                }
            }
        }
        return lines
    }()

    @Test func everyLineOfTheCorpusGetsThePatternsItemText() {
        var disagreements: [String] = []
        for line in Self.lines where IdeaParser.itemBody(line) != Self.byPattern(line) {
            disagreements.append(line.debugDescription)
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(10))")
        #expect(Self.lines.count > 5_000)
    }

    @Test func theByteReaderDecidesThePlainLinesItself() {
        #expect(ItemMarker.scan("1. Shade sails") == .item(3))
        #expect(ItemMarker.scan("• Shade sails") == .item(4))
        #expect(ItemMarker.scan("Thanks!") == .none)
        #expect(ItemMarker.scan("\u{00A0}1. Shade") == .unsure)
    }
}
