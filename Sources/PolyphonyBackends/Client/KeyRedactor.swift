/// Removes an API key from text a provider sent back, including pieces of it.
///
/// Providers echo keys whole, masked in the middle or cut off by a length limit, and error
/// excerpts are themselves truncated, so matching only the whole key would leave fragments
/// behind. Every run of text made of eight or more consecutive characters of the key (the
/// whole key when it is shorter) becomes `[redacted]`. Pieces shorter than eight characters
/// stay (a masked `sk-ab…wxyz`, or up to seven characters at a cut): too short to use, and
/// matching them would mangle ordinary words.
struct KeyRedactor: Sendable {
    /// Characters of the key that must appear together before text counts as a fragment.
    static let fragmentLength = 8

    private let gram: Int
    private let grams: Set<UInt64>

    /// - Parameter key: The secret; keys shorter than four characters are too short to
    ///   recognise in text without mangling ordinary words, and are left alone.
    init(key: String) {
        let bytes = Array(key.utf8)
        guard bytes.count >= 4 else {
            gram = 0
            grams = []
            return
        }
        gram = min(Self.fragmentLength, bytes.count)
        var grams = Set<UInt64>()
        for start in 0...(bytes.count - gram) { grams.insert(Self.pack(bytes[start..<start + gram])) }
        self.grams = grams
    }

    /// `text` with every fragment of the key replaced by `[redacted]`.
    func redact(_ text: String) -> String {
        guard gram > 0 else { return text }
        let bytes = Array(text.utf8)
        guard bytes.count >= gram else { return text }
        var covered = [Bool](repeating: false, count: bytes.count)
        var found = false
        for start in 0...(bytes.count - gram) where grams.contains(Self.pack(bytes[start..<start + gram])) {
            for index in start..<start + gram { covered[index] = true }
            found = true
        }
        guard found else { return text }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if covered[index] {
                output += Array("[redacted]".utf8)
                while index < bytes.count, covered[index] { index += 1 }
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Up to eight bytes as one integer, so a fragment is one hash lookup.
    private static func pack(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var value: UInt64 = 0
        for byte in bytes { value = value << 8 | UInt64(byte) }
        return value
    }
}
