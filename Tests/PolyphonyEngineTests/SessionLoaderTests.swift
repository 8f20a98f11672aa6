import Foundation
import PolyphonyCore
import Testing
@testable import PolyphonyEngine

@Suite struct SessionLoaderTests {
    @Test func aFieldGivenTwiceIsReportedAtItsSecondLine() {
        let yaml = "topic: Heat\nprotocol: solo\nrounds: 1\nparticipants: [hci-mid]\nrounds: 2\n"
        #expect(throws: PolyphonyError.invalidInput("field 'rounds' appears twice (first on line 3)", file: "s.yaml", line: 5)) {
            try SessionLoader().parse(yaml, file: "s.yaml")
        }
    }

    @Test func aFieldGivenTwiceInANestedMappingIsReportedAtItsSecondLine() {
        let yaml = "topic: Heat\nprotocol: solo\nparticipants: [hci-mid]\nlimits:\n  ideas_per_turn: 3\n  token_budget: 100\n  ideas_per_turn: 4\n"
        #expect(throws: PolyphonyError.invalidInput("field 'ideas_per_turn' appears twice (first on line 5)", file: "s.yaml", line: 7)) {
            try SessionLoader().parse(yaml, file: "s.yaml")
        }
    }
}
