import Foundation
import PolyphonyCore
import Testing
@testable import PolyphonyEngine

@Suite struct SessionLoaderTests {
    @Test func aFieldGivenTwiceIsReportedAtItsSecondLine() {
        let yaml = "topic: Heat\nprotocol: solo\nrounds: 1\nparticipants: [hci-mid]\nrounds: 2\n"
        let error = #expect(throws: PolyphonyError.invalidInput) {
            try SessionLoader().parse(yaml, file: "s.yaml")
        }
        #expect(error?.file == "s.yaml" && error?.line == 5)
    }

    @Test func aFieldGivenTwiceInANestedMappingIsReportedAtItsSecondLine() {
        let yaml = "topic: Heat\nprotocol: solo\nparticipants: [hci-mid]\nlimits:\n  ideas_per_turn: 3\n  token_budget: 100\n  ideas_per_turn: 4\n"
        let error = #expect(throws: PolyphonyError.invalidInput) {
            try SessionLoader().parse(yaml, file: "s.yaml")
        }
        #expect(error?.file == "s.yaml" && error?.line == 7)
    }
}
