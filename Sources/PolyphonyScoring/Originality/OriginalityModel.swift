import Foundation
import PolyphonyCore

/// A learned originality score: a linear (ridge) model over features Polyphony computes
/// offline, fitted to human originality ratings of alternate-uses responses (1–5).
///
/// Features, in order (``featureCount`` = 2·d + 3 for d-dimensional embeddings):
/// 1. the idea's unit embedding e (d values);
/// 2. e ⊙ p, the elementwise product with the prompt's unit embedding (d values): how the
///    idea relates to this particular prompt;
/// 3. cos(e, p);
/// 4. ln(1 + words), words as ``LexicalEmbedder/words(_:)`` splits them;
/// 5. ln(1 + characters).
///
/// The weights ship in ``OriginalityModel/shipped`` (fitted by `scripts/originality/fit.py`;
/// provenance and validation figures in `models/originality-v1.json` and docs/metrics.md).
/// Calibrated on alternate-uses tasks only: for other topics the score is an extrapolation.
public struct OriginalityModel: Sendable, Hashable, Codable {
    /// `polyphony.originality-model/1`.
    public var schema: String
    /// The model's name, e.g. `ridge-minilm-aut-v1`, printed in reports.
    public var name: String
    /// The embedder the features must come from (`minilm`).
    public var embedder: String
    /// The embedding dimension d.
    public var dimension: Int
    public var intercept: Double
    /// One weight per feature, on the raw (unstandardised) features.
    public var weights: [Double]
    /// Predictions are clamped to this range (the rating scale).
    public var range: [Double]

    /// 2·d + 3.
    public var featureCount: Int { 2 * dimension + 3 }

    /// The feature vector of one idea. `embedding` and `prompt` must be unit vectors of length d.
    public static func features(embedding: [Float], prompt: [Float], text: String) -> [Double] {
        var features = [Double](repeating: 0, count: 2 * embedding.count + 3)
        var cosine: Double = 0
        for index in embedding.indices {
            let value = Double(embedding[index])
            let product = Double(embedding[index] * prompt[index])
            features[index] = value
            features[embedding.count + index] = product
            cosine += product
        }
        features[2 * embedding.count] = cosine
        features[2 * embedding.count + 1] = log(1 + Double(LexicalEmbedder.words(text).count))
        features[2 * embedding.count + 2] = log(1 + Double(text.count))
        return features
    }

    /// The predicted rating, clamped to ``range``; `nil` when the vectors do not have d values.
    public func predict(embedding: [Float], prompt: [Float], text: String) -> Double? {
        guard embedding.count == dimension, prompt.count == dimension else { return nil }
        return predict(features: Self.features(embedding: embedding, prompt: prompt, text: text))
    }

    /// The prediction for a feature vector already computed.
    public func predict(features: [Double]) -> Double? {
        guard features.count == weights.count else { return nil }
        var sum = intercept
        for index in features.indices { sum += weights[index] * features[index] }
        guard range.count == 2 else { return sum }
        return min(max(sum, range[0]), range[1])
    }

    /// Decodes a model file's JSON (`models/originality-v1.json`; extra fields such as
    /// provenance and validation are ignored here).
    /// - Throws: ``PolyphonyError`` when the JSON is not a model or its weights do not fit.
    public static func decode(_ data: Data) throws -> OriginalityModel {
        let model: OriginalityModel
        do {
            model = try JSONDecoder().decode(OriginalityModel.self, from: data)
        } catch {
            throw PolyphonyError.invalidInput("not an originality model: \(error)")
        }
        guard model.schema == "polyphony.originality-model/1", model.weights.count == model.featureCount else {
            throw PolyphonyError.invalidInput("originality model \(model.name): schema \(model.schema) with \(model.weights.count) weights for \(model.featureCount) features")
        }
        return model
    }

    /// The model that ships with Polyphony, or `nil` when none is compiled in.
    public static let shipped: OriginalityModel? = shippedJSON.isEmpty ? nil : try? decode(Data(shippedJSON.utf8))
}
