import Foundation
import PolyphonyCore
import PolyphonyScoring

// Scoring at study scale (issue 16): every metric, every breakdown and the report files for
// 10,000 and 100,000 ideas, and for an idea list with one author per row. Each size is its own
// suite so that one process measures one size and its peak RSS (getrusage maxrss) is that
// size's alone: `polyphony-bench scoring-10k`, `scoring-100k`, `scoring-authors`.

let scoringScale10kSuite = BenchmarkSuite(name: "scoring-10k", summary: "10,000 ideas, 2,000 authors: lexical embedding, all metrics and breakdowns, report files") {
    try await scoringAtScale(ideas: 10_000, authors: 2_000)
}

let scoringScale100kSuite = BenchmarkSuite(name: "scoring-100k", summary: "100,000 ideas, 20,000 authors: lexical embedding, all metrics and breakdowns, report files") {
    try await scoringAtScale(ideas: 100_000, authors: 20_000)
}

let scoringAuthorsSuite = BenchmarkSuite(name: "scoring-authors", summary: "an idea list of 20,000 rows, one author per row: all metrics and breakdowns") {
    try await scoringAtScale(ideas: 20_000, authors: 20_000)
}

/// Times one run of `body`, printing wall and CPU seconds (CPU shows the work when the cores are shared).
@discardableResult
func timeOnce<T>(_ label: String, _ body: () async throws -> T) async rethrows -> T {
    let clock = ContinuousClock()
    let cpu = processCPUSeconds()
    var result: T?
    let elapsed = try await clock.measure { result = try await body() }
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    print(String(format: "  %-52@ wall %8.3f s  cpu %8.3f s", label as NSString, seconds, processCPUSeconds() - cpu))
    return result!
}

/// Ideas as a study pools them: 2 groups, 5 rounds, a tenth human, `authors` participants,
/// 12-word texts from a small vocabulary (so lexical vectors are alike and clustering cannot
/// prune easily), every tenth idea a reworded copy of an earlier one (real near-duplicates).
func scaleIdeas(_ n: Int, authors: Int) -> [InputIdea] {
    var texts = syntheticTexts(n)
    for i in stride(from: 9, to: n, by: 10) {
        var words = texts[i - 7].split(separator: " ")
        words.swapAt(0, 1)
        texts[i] = words.joined(separator: " ")
    }
    return (0..<n).map { i in
        let author = i % authors
        return InputIdea(id: "i\(i)", text: texts[i], author: "p\(author)", kind: author % 10 == 9 ? .human : .agent,
                         round: 1 + (i / authors) % 5, group: author % 2 == 0 ? "a" : "b", prompt: nil, source: "bench")
    }
}

func scoringAtScale(ideas n: Int, authors: Int) async throws {
    let ideas = scaleIdeas(n, authors: authors)
    let pool = IdeaPool(ideas: ideas, source: IdeaSource(id: "bench", path: "bench", kind: .ideaList, group: "a", ideaCount: n))
    let texts = ideas.map(\.text)
    let matrix = try await timeOnce("lexical embedding (\(n) texts)") {
        try await EmbeddingMatrix.embedding(texts, with: LexicalEmbedder())
    }
    let clustering = await timeOnce("near-duplicate clustering at 0.8 (whole pool)") {
        await NearDuplicateClustering(threshold: 0.8).cluster(matrix)
    }
    print("  unique ideas: \(clustering.clusterCount) of \(n)")
    let report = try await timeOnce("all metrics and breakdowns (precomputed embeddings)") {
        try await DiversityAnalyzer().analyze(pool, embeddings: matrix, promptVectors: [:], embedderName: "lexical-hash-384", embedderIsSemantic: false)
    }
    let json = try await timeOnce("report.json") { try report.jsonData() }
    let csv = await timeOnce("ideas.csv") { report.ideasCSV() }
    let html = await timeOnce("report.html") { report.renderHTML(generated: Date(timeIntervalSince1970: 0)) }
    let text = await timeOnce("text summary") { report.renderText() }
    print(String(format: "  sizes: json %.1f MiB, csv %.1f MiB, html %.1f MiB, text %.1f KiB",
                 Double(json.count) / 1_048_576, Double(csv.utf8.count) / 1_048_576, Double(html.utf8.count) / 1_048_576, Double(text.utf8.count) / 1024))
    print(String(format: "  peak RSS (maxrss): %.1f MiB; embeddings %.1f MiB", maxResidentMiB(), Double(n * matrix.dimension * 4) / 1_048_576))
}

/// The process's peak resident set size from getrusage, in MiB.
func maxResidentMiB() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_maxrss) / 1024
}
