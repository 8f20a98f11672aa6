import Foundation

/// BERT's text normalizer, as Hugging Face `tokenizers` configures it with `BertNormalizer`:
/// drop control characters, turn every kind of whitespace into a space, put spaces around
/// CJK ideographs, strip accents (NFD, then drop nonspacing marks) and lowercase.
///
/// Works on Unicode scalars, not grapheme clusters, because the reference implementation
/// works on code points and the vocabulary was built that way.
struct BertNormalizer: Sendable, Equatable {
    var cleanText = true
    var handleChineseCharacters = true
    var stripAccents = true
    var lowercase = true

    func normalize(_ text: some Sequence<Unicode.Scalar>) -> [Unicode.Scalar] {
        var scalars: [Unicode.Scalar] = []
        var needsDecomposition = false
        for scalar in text {
            if cleanText {
                if scalar.value == 0 || scalar.value == 0xFFFD || Self.isControl(scalar) { continue }
                if Self.isWhitespace(scalar) {
                    scalars.append(" ")
                    continue
                }
            }
            if handleChineseCharacters && Self.isChineseCharacter(scalar) {
                scalars.append(contentsOf: [" ", scalar, " "])
                continue
            }
            // Below U+00C0 no scalar has a canonical decomposition, so pure ASCII skips NFD.
            needsDecomposition = needsDecomposition || scalar.value >= 0xC0
            scalars.append(scalar)
        }
        if stripAccents && needsDecomposition {
            let decomposed = String(String.UnicodeScalarView(scalars)).decomposedStringWithCanonicalMapping
            scalars = decomposed.unicodeScalars.filter { $0.properties.generalCategory != .nonspacingMark }
        }
        if lowercase {
            var lowered: [Unicode.Scalar] = []
            lowered.reserveCapacity(scalars.count)
            for scalar in scalars {
                if scalar.isASCII {
                    let value = scalar.value
                    lowered.append((0x41...0x5A).contains(value) ? Unicode.Scalar(UInt8(value + 0x20)) : scalar)
                } else {
                    // Per scalar, like the reference: no context rules such as a word-final sigma.
                    lowered.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
                }
            }
            scalars = lowered
        }
        return scalars
    }

    /// Tab, newline and carriage return count as whitespace, although Unicode calls them controls.
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar.properties.isWhitespace
    }

    /// Any "Other" category (Cc, Cf, Co, Cs, Cn) except the three whitespace controls.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "\t" || scalar == "\n" || scalar == "\r" { return false }
        switch scalar.properties.generalCategory {
        case .control, .format, .privateUse, .surrogate, .unassigned: return true
        default: return false
        }
    }

    /// The CJK Unified Ideographs blocks (and compatibility ideographs) BERT splits per character.
    /// Hiragana, Katakana and Hangul are not included: those scripts separate words with spaces.
    static func isChineseCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }
}
