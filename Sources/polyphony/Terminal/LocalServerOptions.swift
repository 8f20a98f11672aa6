import ArgumentParser

/// `--threads`, for the commands that may start a local model server (`kind: local`).
struct LocalServerOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "CPU threads for each local model server this command starts, over the backends entry's threads: (default: one fewer than the cores, at least one).",
        valueName: "n"
    ))
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }
}
