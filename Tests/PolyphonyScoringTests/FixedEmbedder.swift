import Foundation
import PolyphonyCore

/// Returns hand-chosen vectors by text, so metric tests can be computed by hand.
struct FixedEmbedder: Embedder {
    var vectors: [String: [Float]]
    var name: String { "fixed" }
    var isSemantic: Bool { true }

    func embed(_ texts: [String]) async throws -> [[Float]] {
        try texts.map { text in
            guard let vector = vectors[text] else { throw PolyphonyError.invalidInput("no fixed vector for '\(text)'") }
            return vector
        }
    }

    /// A unit vector at `degrees` in the x–y plane.
    static func angle(_ degrees: Double) -> [Float] {
        [Float(cos(degrees * .pi / 180)), Float(sin(degrees * .pi / 180)), 0]
    }
}
