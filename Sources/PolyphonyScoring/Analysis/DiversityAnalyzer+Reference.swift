import PolyphonyCore

extension DiversityAnalyzer {
    /// Scores ideas against reference pools too: each idea's novelty against the pool ideas
    /// with the same prompt, and whether a pool already had it. `polyphony score --reference`
    /// and a grid's `scoring.reference` both come here.
    /// - Parameters:
    ///   - paths: The pools' idea lists, as they can be opened.
    ///   - names: The pools as the report names them (default: `paths`).
    ///   - prompt: The prompt for pool rows without one.
    ///   - novelty: How reference novelty is computed.
    /// - Throws: ``PolyphonyError`` when a pool cannot be read.
    public mutating func useReferencePools(
        _ paths: [String], named names: [String]? = nil, prompt: String? = nil, novelty: ReferenceNovelty
    ) throws {
        reference = try IdeaPool.load(transcripts: [], ideaLists: paths, prompt: prompt)
        referencePaths = names ?? paths
        referenceNovelty = novelty
    }
}
