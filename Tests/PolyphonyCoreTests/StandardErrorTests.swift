import Foundation
import PolyphonyCore
import Testing

struct StandardErrorTests {
    @Test func writeLineEndsTheTextInOneLineFeedAndWriteAddsNothing() throws {
        let pipe = Pipe()
        StandardError.writeLine("polyphony: warning: x", to: pipe.fileHandleForWriting)
        StandardError.write("\r[1/2]", to: pipe.fileHandleForWriting)
        try pipe.fileHandleForWriting.close()
        let written = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(written == "polyphony: warning: x\n\r[1/2]")
    }
}
