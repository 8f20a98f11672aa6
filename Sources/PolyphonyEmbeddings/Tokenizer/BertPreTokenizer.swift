/// BERT's pre-tokenizer: splits normalized text into words at whitespace (dropped) and
/// around every punctuation character (kept as a word of its own).
enum BertPreTokenizer {
    static func words(_ scalars: [Unicode.Scalar]) -> [ArraySlice<Unicode.Scalar>] {
        var words: [ArraySlice<Unicode.Scalar>] = []
        var start = scalars.startIndex
        for index in scalars.indices {
            let scalar = scalars[index]
            if scalar.properties.isWhitespace {
                if start < index { words.append(scalars[start..<index]) }
                start = index + 1
            } else if isPunctuation(scalar) {
                if start < index { words.append(scalars[start..<index]) }
                words.append(scalars[index...index])
                start = index + 1
            }
        }
        if start < scalars.endIndex { words.append(scalars[start...]) }
        return words
    }

    /// ASCII symbols such as `$`, `+` and `^` count as punctuation although Unicode files them
    /// under symbols; beyond ASCII, the Unicode punctuation categories (P*) decide.
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 {
            return (0x21...0x2F).contains(value) || (0x3A...0x40).contains(value)
                || (0x5B...0x60).contains(value) || (0x7B...0x7E).contains(value)
        }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }
}
