import Foundation
import PolyphonyCore
import PolyphonyTestSupport
import Testing

/// The small validator the schema tests rely on: it must catch what the schemas forbid.
@Suite struct JSONSchemaValidatorTests {
    static let schema = """
        {"type": "object", "required": ["schema", "items"], "additionalProperties": false,
         "properties": {
           "schema": {"const": "x/1"},
           "mode": {"enum": ["a", "b"]},
           "count": {"type": "integer", "minimum": 0},
           "band": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
           "end": {"type": ["string", "null"]},
           "items": {"type": "array", "items": {"$ref": "#/$defs/item"}}},
         "$defs": {"item": {"type": "object", "required": ["id"], "additionalProperties": false,
                            "properties": {"id": {"type": "string", "pattern": "^i[0-9]+$"}, "on": {"type": "boolean"}},
                            "oneOf": [{"required": ["on"]}, {"properties": {"id": {"const": "i0"}}}]}}}
        """

    private func problems(_ json: String, schema: String = Self.schema) throws -> [String] {
        let validator = JSONSchemaValidator(schema: try JSONDecoder().decode(JSONValue.self, from: Data(schema.utf8)))
        return validator.problems(json: Data(json.utf8))
    }

    @Test func aConformingDocumentHasNoProblems() throws {
        #expect(try problems(#"{"schema": "x/1", "mode": "a", "count": 3, "band": [0.7, 0.9], "end": null, "items": [{"id": "i1", "on": true}, {"id": "i0"}]}"#) == [])
    }

    @Test(arguments: [
        (#"{"items": []}"#, "missing required 'schema'"),
        (#"{"schema": "x/2", "items": []}"#, "not the required value"),
        (#"{"schema": "x/1", "items": [], "extra": 1}"#, "unexpected key 'extra'"),
        (#"{"schema": "x/1", "items": [], "mode": "c"}"#, "not one of the allowed values"),
        (#"{"schema": "x/1", "items": [], "count": 1.5}"#, "expected integer"),
        (#"{"schema": "x/1", "items": [], "count": true}"#, "expected integer"),
        (#"{"schema": "x/1", "items": [], "count": -1}"#, "below"),
        (#"{"schema": "x/1", "items": [], "band": [0.7]}"#, "fewer than 2"),
        (#"{"schema": "x/1", "items": [], "band": [0.7, "0.9"]}"#, "expected number"),
        (#"{"schema": "x/1", "items": [], "end": 3}"#, "expected string or null"),
        (#"{"schema": "x/1", "items": [{"id": "j1", "on": true}]}"#, "does not match"),
        (#"{"schema": "x/1", "items": [{"id": "i1"}]}"#, "matches none of oneOf"),
        (#"{"schema": "x/1", "items": [{"id": "i0", "on": false}]}"#, "matches 2 of oneOf"),
        (#"{"schema": "x/1", "items": [{"id": "i1", "on": 1}]}"#, "expected boolean"),
    ])
    func eachBrokenRuleIsReported(json: String, problem: String) throws {
        let found = try problems(json)
        #expect(found.contains { $0.contains(problem) }, "\(found)")
    }

    @Test func aKeywordItDoesNotImplementIsReportedNotIgnored() throws {
        let found = try problems(#"{"a": 1}"#, schema: #"{"type": "object", "patternProperties": {"^a": {"type": "string"}}}"#)
        #expect(found.contains { $0.contains("unsupported schema keyword 'patternProperties'") })
    }

    @Test func aReferenceIntoASiblingFileIsFollowed() throws {
        let folder = try TemporaryFolder()
        try folder.write("other.schema.json", #"{"$defs": {"n": {"type": "integer"}}}"#)
        let main = try folder.write("main.schema.json", #"{"type": "object", "properties": {"n": {"$ref": "other.schema.json#/$defs/n"}}}"#)
        let validator = try JSONSchemaValidator(path: main)
        #expect(validator.problems(json: Data(#"{"n": 2}"#.utf8)) == [])
        #expect(validator.problems(json: Data(#"{"n": "2"}"#.utf8)).count == 1)
    }

    @Test func camelCaseKeysAreFoundAtAnyDepthAndSnakeCaseOnesAreNot() throws {
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(#"{"by_group": [{"meanSpread": {"novelty": 1}}], "yield_at_0.8": 1, "URL": 2}"#.utf8))
        #expect(JSONSchemaValidator.camelCaseKeys(in: value) == ["$.by_group[0].meanSpread"])
    }
}
