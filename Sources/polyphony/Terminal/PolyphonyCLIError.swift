import PolyphonyCore

/// Command-line failures that are not about a file's contents.
enum PolyphonyCLIError {
    static func unreadable(_ file: String) -> PolyphonyError {
        .io("cannot be read", file: file)
    }
}
