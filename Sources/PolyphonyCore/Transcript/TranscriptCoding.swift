import Foundation

/// The one JSON configuration every transcript line is written and read with.
///
/// Keys are snake_case, dates ISO 8601, and object keys sorted so the same event always
/// serialises to the same bytes.
public enum TranscriptCoding {
    /// An encoder for one transcript line (no trailing newline).
    public static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// A decoder matching ``makeEncoder()``.
    public static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    /// Serialises an event as one line of UTF-8 JSON, newline included.
    public static func line(for event: TranscriptEvent, encoder: JSONEncoder) throws -> Data {
        var data = try encoder.encode(event)
        data.append(0x0A)
        return data
    }
}
