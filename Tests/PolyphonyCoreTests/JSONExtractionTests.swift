import PolyphonyCore
import Testing

struct JSONExtractionTests {
    @Test func findsTheFirstParsingObjectThatPassesTheTestWhateverProseOrBracesSurroundIt() {
        let answer = """
            Fill in {placeholder}. Here is a note {"note": "use } and { freely"} and the result:
            ```json
            {"ideas": ["shade sails", {"text": "water map"}]}
            ```
            """
        #expect(JSONExtraction.firstObject(in: answer)?["note"]?.stringValue == "use } and { freely")
        let ideas = JSONExtraction.firstObject(in: answer, where: { $0["ideas"] != nil })?["ideas"]?.arrayValue
        #expect(ideas?.first?.stringValue == "shade sails")
        #expect(JSONExtraction.firstObject(in: "no object {here}") == nil)
    }
}
