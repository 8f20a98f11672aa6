/// A key held in memory that never prints: `description`, `debugDescription` and `dump`
/// all show `[redacted]`, so logging a backend cannot leak its key.
struct SecretString: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The key itself; read only to build a request header.
    let value: String

    init?(_ value: String?) {
        guard let value, !value.isEmpty else { return nil }
        self.value = value
    }

    var description: String { "[redacted]" }
    var debugDescription: String { "[redacted]" }
    var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
