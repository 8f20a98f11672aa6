extension ExperimentReport {
    /// One row per run and metric (long format, for R or pandas):
    /// `run,condition,topic,seed,metric,value`.
    public func runsCSV() -> String {
        var rows = ["run,condition,topic,seed,metric,value"]
        let names = metrics.map(\.metric)
        for run in runs {
            for metric in names {
                guard let value = run.metrics[metric] else { continue }
                rows.append([run.id, run.condition, run.topic, String(run.seed), metric, String(value)].map(Self.csvField).joined(separator: ","))
            }
        }
        return rows.joined(separator: "\n") + "\n"
    }

    /// Quotes a field when it holds a comma, quote or line break (RFC 4180).
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
