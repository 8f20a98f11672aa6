import PolyphonyCore
import Testing

struct PolyphonyErrorTests {
    @Test func anErrorIsOneLineWhateverLineBreaksItsMessageCarries() {
        let error = PolyphonyError.backend("<html>\r\n<head>\r<title>502</title>\u{2028}</head>", backend: "b", status: 502)
        #expect(!error.description.contains { $0.isNewline })
    }
}
