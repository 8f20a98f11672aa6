import Foundation

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs, as
    /// `trimmingCharacters(in: .whitespaces)` gives it.
    ///
    /// Streamed frames and request header lines pass here one by one. When the text starts and
    /// ends with an ASCII byte that is neither, nothing is trimmed and Foundation (which walks the
    /// string as UTF-16) is skipped; otherwise Foundation decides, so Unicode spaces still go.
    package func trimmingSpacesAndTabs() -> String {
        let bytes = utf8
        guard let first = bytes.first else { return "" }
        let last = bytes[bytes.index(bytes.endIndex, offsetBy: -1)]
        func plain(_ byte: UInt8) -> Bool { byte < 0x80 && byte != 0x20 && byte != 0x09 }
        if plain(first), plain(last) { return String(self) }
        return trimmingCharacters(in: .whitespaces)
    }
}
