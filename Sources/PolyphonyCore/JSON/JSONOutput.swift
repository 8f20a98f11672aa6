import Foundation

/// The one JSON configuration every `--json` output and report file is written with.
///
/// Keys are snake_case (derived from the Swift property names by
/// `JSONEncoder.KeyEncodingStrategy.convertToSnakeCase`, as in transcripts), object keys are
/// sorted and the text is pretty-printed, so equal reports are equal bytes and diff well.
/// Keys of `[String: …]` dictionaries are data (metric names, rubric dimensions) and are
/// written as they are. Every output carries a top-level `"schema": "polyphony.<name>/N"`
/// described in `docs/schemas/`.
package enum JSONOutput {
    /// An encoder for `--json` output and report files.
    /// - Parameter keys: How property names become keys; snake_case for every documented
    ///   output. A file that has always been written with Swift's names (an experiment
    ///   manifest) passes `.useDefaultKeys` and keeps the rest: pretty, sorted, `/` unescaped.
    package static func makeEncoder(keys: JSONEncoder.KeyEncodingStrategy = .convertToSnakeCase) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = keys
        return encoder
    }

    /// A compact encoder for JSON Lines files and wire bodies: one object per line, keys
    /// sorted so equal values are equal bytes, `/` unescaped, Swift's names as keys.
    package static func makeLineEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// A decoder that reads what ``makeEncoder()`` wrote back into the same Swift types.
    package static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }

    /// `value` as pretty, key-sorted, snake_case JSON (no trailing newline).
    /// - Throws: ``PolyphonyError/io(_:file:)`` when the value cannot be encoded (a non-finite number).
    package static func data<T: Encodable>(_ value: T, what: String = "the JSON output") throws -> Data {
        do {
            return try makeEncoder().encode(value)
        } catch {
            throw PolyphonyError.io("cannot encode \(what): \(error)")
        }
    }
}

extension Double {
    /// `value` as the decimal it was written as: the shortest decimal that reads back as the
    /// same `Float`, so a threshold of `0.8` is reported as `0.8`, not `0.800000011920929`.
    package init(shortestDecimal value: Float) {
        self = value.isFinite ? (Double(value.description) ?? Double(value)) : Double(value)
    }
}
