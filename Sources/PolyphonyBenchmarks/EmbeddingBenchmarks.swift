import Foundation
import PolyphonyEmbeddings

/// MiniLM embedding throughput on this machine: issue 16 asks for ≥ 1,000 short ideas/s in
/// batches on 2 cores. Runs the batched case in float32 (BLAS, the fallback) and, where the CPU
/// has AVX512_BF16, in bfloat16 (the default there), so one run shows before and after under
/// the same load, and how far the two precisions' vectors are apart.
let embeddingSuite = BenchmarkSuite(name: "minilm", summary: "all-MiniLM-L6-v2 embeddings: float32 vs bfloat16 batched, single, long inputs") {
    guard let directory = try? MiniLMEmbedder.locate() else {
        print("  skipped: MiniLM weights not installed (bash scripts/install-minilm.sh)")
        return
    }
    if let load = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) {
        print("  load average: \(load.split(separator: " ").prefix(3).joined(separator: " ")) on \(ProcessInfo.processInfo.activeProcessorCount) cores")
    }
    let clock = ContinuousClock()
    let ideas = shortIdeas(count: 1_000)
    var vectors: [MiniLMPrecision: [[Float]]] = [:]
    var embedder: MiniLMEmbedder?
    let precisions: [MiniLMPrecision] = MiniLMPrecision.bfloat16Supported ? [.float32, .bfloat16] : [.float32]
    for precision in precisions {
        var loaded: MiniLMEmbedder?
        let loadTime = try clock.measure { loaded = try MiniLMEmbedder(directory: directory, precision: precision) }
        guard let loaded else { return }
        embedder = loaded
        print("  \(precision.rawValue): load \(loadTime)")
        if precision == precisions[0] {
            let tokens = ideas.reduce(0) { $0 + loaded.tokenIDs($1).count }
            print(String(format: "  %d short ideas, %.1f tokens each on average", ideas.count, Double(tokens) / Double(ideas.count)))
        }
        let cpuBefore = processCPUSeconds()
        let batched = try await measure("\(precision.rawValue): embed 1,000 short ideas in one call", iterations: 5) {
            vectors[precision] = try await loaded.embed(ideas)
        }
        // Wall time depends on what else runs on the machine; CPU time per idea does much less.
        let cpuPerRun = (processCPUSeconds() - cpuBefore) / 6
        print(String(format: "  %@ batched: %.0f ideas/s wall; %.2f CPU-s per run = %.0f ideas per CPU-second (2 idle cores: up to %.0f ideas/s)",
                     precision.rawValue as NSString, Double(ideas.count) / batched, cpuPerRun, Double(ideas.count) / cpuPerRun, 2 * Double(ideas.count) / cpuPerRun))
    }
    if let exact = vectors[.float32], let rounded = vectors[.bfloat16] {
        let cosines = zip(exact, rounded).map { a, b in zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) } }
        print(String(format: "  bfloat16 vs float32 cosine over the 1,000 ideas: min %.6f, mean %.6f", cosines.min() ?? 0, cosines.reduce(0, +) / Double(cosines.count)))
    }
    guard let embedder else { return }

    let singles = Array(ideas.prefix(200))
    let single = try await measure("\(embedder.precision.rawValue): embed 200 short ideas one call each", iterations: 3) {
        for idea in singles { _ = try await embedder.embed([idea]) }
    }
    print(String(format: "  single: %.0f ideas/s (%.2f ms per call)", Double(singles.count) / single, single / Double(singles.count) * 1e3))

    let long = (0..<100).map { index in
        String(repeating: "Idea \(index): cities could share tools, kitchens and gardens between neighbours. ", count: 20)
    }
    let longTime = try await measure("\(embedder.precision.rawValue): embed 100 texts truncated to 256 tokens", iterations: 3) {
        _ = try await embedder.embed(long)
    }
    print(String(format: "  long: %.0f texts/s", Double(long.count) / longTime))
    if let peak = peakResidentMiB() { print(String(format: "  peak RSS so far %.1f MiB", peak)) }
}


/// Distinct idea-like sentences of 8–20 tokens, built from fixed word lists so runs compare.
private func shortIdeas(count: Int) -> [String] {
    let actions = ["Turn", "Convert", "Use", "Share", "Open", "Rent out", "Repurpose", "Fund", "Map", "Gamify"]
    let things = ["empty parking lots", "school kitchens", "rooftops", "old buses", "library tools", "street lights", "vacant shops", "river banks", "bike sheds", "community fridges"]
    let goals = ["into night markets", "for shared meals", "as urban farms", "to teach repair skills", "for pop-up clinics", "as quiet study rooms", "to cool the street", "for weekend swaps", "to cut food waste", "as neighbourhood hubs"]
    return (0..<count).map { index in
        let action = actions[index % actions.count]
        let thing = things[(index / actions.count) % things.count]
        let goal = goals[(index / 100 + index) % goals.count]
        return "\(action) \(thing) \(goal) (idea \(index))."
    }
}
