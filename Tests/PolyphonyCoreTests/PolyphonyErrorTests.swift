import PolyphonyCore
import Testing

/// Errors are matched by their code; file, line, backend and status are data; the one-line
/// rendering the CLI prints keeps its shape.
@Suite struct PolyphonyErrorTests {
    @Test func errorsWithTheSameCodeAreEqualWhateverTheirMessageAndData() {
        let first = PolyphonyError.invalidInput("field 'rounds' appears twice", file: "a.yaml", line: 3)
        let second = PolyphonyError.invalidInput("something else", file: "b.yaml", line: 9)
        #expect(first == second)
        #expect(first == .invalidInput)
        #expect(first.code == .invalidInput)
    }

    @Test func errorsWithDifferentCodesDiffer() {
        let input = PolyphonyError.invalidInput("x", file: "a.yaml", line: 1)
        let io = PolyphonyError.io("x", file: "a.yaml")
        #expect(input != io)
        #expect(input.code != io.code)
        #expect(PolyphonyError.backend("x", backend: "b", status: 500) != .replayDiverged)
    }

    @Test func theDataStaysReadableFromAMatchedError() {
        let error = #expect(throws: PolyphonyError.backend) {
            throw PolyphonyError.backend("overloaded", backend: "claude", status: 529, isRetryable: true)
        }
        #expect(error?.backend == "claude" && error?.status == 529 && error?.isRetryable == true)
    }

    @Test(arguments: [
        (PolyphonyError.invalidInput("bad", file: "s.yaml", line: 4), "s.yaml:4: bad"),
        (PolyphonyError.io("no such file", file: "s.yaml"), "s.yaml: no such file"),
        (PolyphonyError.backend("quota", backend: "openai", status: 429), "backend openai (HTTP 429): quota"),
        (PolyphonyError.backend("cannot connect", backend: "local"), "backend local: cannot connect"),
        (PolyphonyError.cancelled(), "cancelled"),
    ])
    func theOneLineRenderingNamesFileAndLineOrBackendAndStatus(error: PolyphonyError, line: String) {
        #expect(error.description == line)
    }

    @Test func anErrorIsOneLineWhateverLineBreaksItsMessageCarries() {
        let error = PolyphonyError.backend("<html>\r\n<head>\r<title>502</title>\u{2028}</head>", backend: "b", status: 502)
        #expect(!error.description.contains { $0.isNewline })
    }
}
