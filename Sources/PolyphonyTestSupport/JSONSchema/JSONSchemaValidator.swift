import Foundation
import PolyphonyCore

/// Checks JSON documents against the JSON Schema (draft 2020-12) files in `docs/`, so tests
/// pin every `--json` output to its documented schema without a schema library.
///
/// It covers the subset those files use: `type` (one or a list), `properties`, `required`,
/// `additionalProperties` (boolean or schema), `items`, `prefixItems`, `minItems`,
/// `maxItems`, `enum`, `const`, `oneOf`, `anyOf`, `minimum`, `maximum`, `pattern`, and
/// `$ref` to a JSON pointer in the same file or in a sibling file
/// (`transcript.schema.json#/$defs/turn`). Any other keyword is reported as unsupported
/// rather than silently ignored, so a schema never checks less than it says.
package struct JSONSchemaValidator: Sendable {
    /// Keywords that only annotate.
    private static let annotations: Set<String> = ["$schema", "$id", "title", "description", "format", "$comment", "examples", "default"]
    private static let supported: Set<String> = [
        "type", "properties", "required", "additionalProperties", "items", "prefixItems", "minItems", "maxItems",
        "enum", "const", "oneOf", "anyOf", "minimum", "maximum", "pattern", "$ref", "$defs",
    ]

    /// Loaded schema files by file name.
    private var documents: [String: JSONValue]
    private let folder: String?

    /// A validator for the schema file at `path`; sibling files are loaded when referenced.
    /// - Throws: When the file is missing or not JSON.
    package init(path: String) throws {
        folder = (path as NSString).deletingLastPathComponent
        documents = [:]
        documents[(path as NSString).lastPathComponent] = try Self.load(path)
    }

    /// A validator for an in-memory schema (references to other files fail).
    package init(schema: JSONValue) {
        folder = nil
        documents = ["": schema]
    }

    /// Every way `instance` breaks the schema, as `path: problem` lines; empty when it validates.
    package func problems(_ instance: JSONValue) -> [String] {
        guard let (name, root) = documents.first else { return ["no schema"] }
        var problems: [String] = []
        var loaded = documents
        check(instance, against: root, document: name, at: "$", problems: &problems, loaded: &loaded)
        return problems
    }

    /// Parses `data` as JSON and lists every way it breaks the schema.
    package func problems(json data: Data) -> [String] {
        do {
            return problems(try JSONDecoder().decode(JSONValue.self, from: data))
        } catch {
            return ["$: not JSON: \(error)"]
        }
    }

    private static func load(_ path: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    private func check(
        _ instance: JSONValue, against schema: JSONValue, document: String, at path: String, problems: inout [String],
        loaded: inout [String: JSONValue]
    ) {
        if case .bool(let allowed) = schema {
            if !allowed { problems.append("\(path): no value is allowed here") }
            return
        }
        guard case .object(let keywords) = schema else {
            problems.append("\(path): the schema here is not an object")
            return
        }
        for keyword in keywords.keys where !Self.supported.contains(keyword) && !Self.annotations.contains(keyword) {
            problems.append("\(path): unsupported schema keyword '\(keyword)'")
        }
        if let reference = keywords["$ref"]?.stringValue {
            if let (target, targetDocument) = resolve(reference, from: document, loaded: &loaded) {
                check(instance, against: target, document: targetDocument, at: path, problems: &problems, loaded: &loaded)
            } else {
                problems.append("\(path): cannot resolve $ref '\(reference)'")
            }
        }
        if let type = keywords["type"] {
            let names = type.arrayValue?.compactMap(\.stringValue) ?? [type.stringValue].compactMap { $0 }
            if !names.contains(where: { Self.matches(instance, type: $0) }) {
                problems.append("\(path): expected \(names.joined(separator: " or ")), found \(Self.describe(instance))")
                return
            }
        }
        if let options = keywords["enum"]?.arrayValue, !options.contains(instance) {
            problems.append("\(path): \(Self.describe(instance)) is not one of the allowed values")
        }
        if let constant = keywords["const"], constant != instance {
            problems.append("\(path): \(Self.describe(instance)) is not the required value")
        }
        if let number = instance.doubleValue {
            if let minimum = keywords["minimum"]?.doubleValue, number < minimum { problems.append("\(path): \(number) is below \(minimum)") }
            if let maximum = keywords["maximum"]?.doubleValue, number > maximum { problems.append("\(path): \(number) is above \(maximum)") }
        }
        if let text = instance.stringValue, let pattern = keywords["pattern"]?.stringValue {
            if text.range(of: pattern, options: .regularExpression) == nil {
                problems.append("\(path): '\(text)' does not match \(pattern)")
            }
        }
        if case .object(let members) = instance {
            let properties: [String: JSONValue]
            if case .object(let declared)? = keywords["properties"] { properties = declared } else { properties = [:] }
            for name in keywords["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where members[name] == nil {
                problems.append("\(path): missing required '\(name)'")
            }
            for (name, value) in members.sorted(by: { $0.key < $1.key }) {
                if let property = properties[name] {
                    check(value, against: property, document: document, at: "\(path).\(name)", problems: &problems, loaded: &loaded)
                } else if let additional = keywords["additionalProperties"] {
                    if case .bool(false) = additional {
                        problems.append("\(path): unexpected key '\(name)'")
                    } else {
                        check(value, against: additional, document: document, at: "\(path).\(name)", problems: &problems, loaded: &loaded)
                    }
                }
            }
        }
        if case .array(let elements) = instance {
            if let minimum = keywords["minItems"]?.doubleValue, Double(elements.count) < minimum {
                problems.append("\(path): \(elements.count) items, fewer than \(Int(minimum))")
            }
            if let maximum = keywords["maxItems"]?.doubleValue, Double(elements.count) > maximum {
                problems.append("\(path): \(elements.count) items, more than \(Int(maximum))")
            }
            let prefix = keywords["prefixItems"]?.arrayValue ?? []
            for (index, element) in elements.enumerated() {
                if index < prefix.count {
                    check(element, against: prefix[index], document: document, at: "\(path)[\(index)]", problems: &problems, loaded: &loaded)
                } else if let items = keywords["items"] {
                    check(element, against: items, document: document, at: "\(path)[\(index)]", problems: &problems, loaded: &loaded)
                }
            }
        }
        for (keyword, exactlyOne) in [("oneOf", true), ("anyOf", false)] {
            guard let options = keywords[keyword]?.arrayValue else { continue }
            var passing = 0
            var firstFailures: [String] = []
            for option in options {
                var optionProblems: [String] = []
                check(instance, against: option, document: document, at: path, problems: &optionProblems, loaded: &loaded)
                if optionProblems.isEmpty { passing += 1 } else if firstFailures.isEmpty || optionProblems.count < firstFailures.count {
                    firstFailures = optionProblems
                }
            }
            if passing == 0 {
                problems.append("\(path): matches none of \(keyword) (closest: \(firstFailures.joined(separator: "; ")))")
            } else if exactlyOne && passing > 1 {
                problems.append("\(path): matches \(passing) of oneOf, not exactly one")
            }
        }
    }

    private func resolve(_ reference: String, from document: String, loaded: inout [String: JSONValue]) -> (JSONValue, String)? {
        let parts = reference.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
        let file = parts.first.map(String.init) ?? ""
        let name = file.isEmpty ? document : file
        if loaded[name] == nil {
            guard let folder, let root = try? Self.load((folder as NSString).appendingPathComponent(name)) else { return nil }
            loaded[name] = root
        }
        guard var target = loaded[name] else { return nil }
        let pointer = parts.count > 1 ? String(parts[1]) : ""
        for token in pointer.split(separator: "/") {
            let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            guard let next = target[key] else { return nil }
            target = next
        }
        return (target, name)
    }

    private static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("number", .number), ("string", .string), ("array", .array), ("object", .object):
            return true
        case ("integer", .number(let number)):
            return number.rounded() == number
        default:
            return false
        }
    }

    private static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let flag): "boolean \(flag)"
        case .number(let number): "number \(number)"
        case .string(let text): "string '\(text.prefix(40))'"
        case .array: "array"
        case .object: "object"
        }
    }

    /// Every object key anywhere in `value` that is camelCase (a lowercase letter followed
    /// by an uppercase one), as `path.key`.
    package static func camelCaseKeys(in value: JSONValue, at path: String = "$") -> [String] {
        switch value {
        case .object(let members):
            return members.sorted { $0.key < $1.key }.flatMap { key, member in
                let camel = key.range(of: "[a-z][A-Z]", options: .regularExpression) != nil ? ["\(path).\(key)"] : []
                return camel + camelCaseKeys(in: member, at: "\(path).\(key)")
            }
        case .array(let elements):
            return elements.enumerated().flatMap { camelCaseKeys(in: $1, at: "\(path)[\($0)]") }
        default:
            return []
        }
    }
}
