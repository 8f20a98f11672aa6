import PolyphonyCore

extension ExperimentReport {
    /// One row per run and metric (long format, for R or pandas):
    /// `run,condition,topic,seed,metric,value`; RFC 4180, lines end in CRLF.
    public func runsCSV() -> String {
        var records = [["run", "condition", "topic", "seed", "metric", "value"]]
        let names = metrics.map(\.metric)
        for run in runs {
            for metric in names {
                guard let value = run.metrics[metric] else { continue }
                records.append([run.id, run.condition, run.topic, String(run.seed), metric, String(value)])
            }
        }
        return CSVWriter.document(records)
    }
}
