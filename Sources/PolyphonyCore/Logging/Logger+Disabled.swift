import Logging

extension Logger {
    /// A logger that drops every record: the default wherever a library takes a logger, so a
    /// caller that passes none gets silence, and only the executable decides where lines go.
    public static let disabled = Logger(label: "polyphony", factory: { _ in SwiftLogNoOpLogHandler() })
}
