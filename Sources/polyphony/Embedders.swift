import PolyphonyEmbeddings
import PolyphonyScoring

/// The embedders the command line offers by name, shared by `score` and `experiment analyze`.
///
/// Assembled here because it joins two modules: Scoring's built-in embedders and the MiniLM
/// model from PolyphonyEmbeddings.
enum Embedders {
    /// Which embedders `--embedder` (and a grid's `scoring.embedder`) can name.
    static let registry: EmbedderRegistry = {
        var registry = EmbedderRegistry.standard
        registry.register("minilm", summary: "all-MiniLM-L6-v2, offline, semantic, 384-d (bash scripts/install-minilm.sh)") {
            try MiniLMEmbedder.load()
        }
        return registry
    }()

    /// MiniLM when its weights are installed, so unique-idea counts compare with published
    /// numbers; the lexical embedder otherwise.
    static var defaultName: String {
        (try? MiniLMEmbedder.locate()) != nil ? "minilm" : "lexical"
    }
}
