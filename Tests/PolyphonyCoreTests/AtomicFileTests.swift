import Foundation
import Testing
@testable import PolyphonyCore

/// Whole-file writes and the same-file check every command's outputs go through.
@Suite struct AtomicFileTests {
    private func folder() throws -> String {
        let path = NSTemporaryDirectory() + "atomic-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func aReplacedFileIsANewFileRenamedIntoPlaceNotTheOldOneRewritten() throws {
        let folder = try folder()
        let path = folder + "/report.html"
        try "old report".write(toFile: path, atomically: false, encoding: .utf8)
        try FileManager.default.linkItem(atPath: path, toPath: folder + "/old.html")
        try AtomicFile.write(Data("new report".utf8), to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "new report")
        #expect(try String(contentsOfFile: folder + "/old.html", encoding: .utf8) == "old report")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["old.html", "report.html"])
    }

    @Test func aReplacedFileKeepsItsPermissionsAndALinkToItStaysALink() throws {
        let folder = try folder()
        let target = folder + "/scores.json"
        try "{}".write(toFile: target, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: target)
        try FileManager.default.createSymbolicLink(atPath: folder + "/latest.json", withDestinationPath: "scores.json")
        try AtomicFile.write(Data("[1]".utf8), to: folder + "/latest.json")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: folder + "/latest.json") == "scores.json")
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "[1]")
        #expect(try FileManager.default.attributesOfItem(atPath: target)[.posixPermissions] as? Int == 0o600)
    }

    @Test func aFailedWriteLeavesNothingBehindAndNamesTheFile() throws {
        let folder = try folder()
        let missing = #expect(throws: PolyphonyError.io) {
            try AtomicFile.write(Data("x".utf8), to: folder + "/missing/report.html")
        }
        #expect(missing?.file == folder + "/missing/report.html")
        let directory = #expect(throws: PolyphonyError.io) {
            try AtomicFile.write(Data("x".utf8), to: folder)
        }
        #expect(directory?.file == folder)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
    }

    @Test(arguments: ["same", "symlink", "hardlink", "dotdot"])
    func anOutputThatIsAnInputIsRefusedHoweverItIsSpelt(spelling: String) throws {
        let folder = try folder()
        let input = folder + "/ideas.csv"
        try "text\nShade\n".write(toFile: input, atomically: false, encoding: .utf8)
        let output: String
        switch spelling {
        case "symlink":
            output = folder + "/link.csv"
            try FileManager.default.createSymbolicLink(atPath: output, withDestinationPath: input)
        case "hardlink":
            output = folder + "/hard.csv"
            try FileManager.default.linkItem(atPath: input, toPath: output)
        case "dotdot":
            try FileManager.default.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
            output = folder + "/sub/../ideas.csv"
        default:
            output = input
        }
        let error = #expect(throws: PolyphonyError.invalidInput) {
            try FileIdentity.refuseOverwriting(inputs: [folder + "/other.csv", input], with: [folder + "/new.html", output])
        }
        #expect(error?.file == output)
    }

    @Test func outputsThatAreNotInputsPassWhetherTheyExistOrNot() throws {
        let folder = try folder()
        try "a".write(toFile: folder + "/in.csv", atomically: false, encoding: .utf8)
        try "b".write(toFile: folder + "/old.html", atomically: false, encoding: .utf8)
        try FileIdentity.refuseOverwriting(inputs: [folder + "/in.csv", folder + "/missing.csv"], with: [folder + "/old.html", folder + "/new.html"])
    }
}
