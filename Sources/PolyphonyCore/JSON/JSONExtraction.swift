import Foundation

/// Finds the JSON object a model wrapped in prose or a code fence.
package enum JSONExtraction {
    /// The first balanced `{…}` in `text` that parses as a JSON object and passes `accept`.
    ///
    /// Braces inside JSON strings do not count, and a candidate that does not parse (a
    /// `{placeholder}` in the prose) is skipped, so the object is found wherever it stands.
    package static func firstObject(in text: String, where accept: (JSONValue) -> Bool = { _ in true }) -> JSONValue? {
        let scalars = Array(text.utf8)
        var start = 0
        while let open = scalars[start...].firstIndex(of: UInt8(ascii: "{")) {
            var depth = 0
            var inString = false
            var escaped = false
            var index = open
            while index < scalars.count {
                let byte = scalars[index]
                if inString {
                    if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                } else if byte == UInt8(ascii: "\"") {
                    inString = true
                } else if byte == UInt8(ascii: "{") {
                    depth += 1
                } else if byte == UInt8(ascii: "}") {
                    depth -= 1
                    if depth == 0 {
                        let candidate = Data(scalars[open...index])
                        if let value = try? JSONDecoder().decode(JSONValue.self, from: candidate), case .object = value, accept(value) {
                            return value
                        }
                        break
                    }
                }
                index += 1
            }
            start = open + 1
        }
        return nil
    }
}
