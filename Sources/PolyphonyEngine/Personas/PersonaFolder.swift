import Foundation
import PolyphonyCore

/// Finds the persona folder for a session when `--personas` is not given.
///
/// A session is usually run from somewhere else than the repository it came with, so the
/// folder is looked for where people keep it: next to the session file (`<its folder>/personas`,
/// then `<its parent>/personas`, which covers `sessions/x.yaml` beside `personas/`), then
/// `./personas`, then the installed library: `$POLYPHONY_PERSONAS`,
/// `<executable>/../share/polyphony/personas`, and the checkout the executable was built in.
public enum PersonaFolder {
    /// The folders to try, in order, without duplicates.
    /// - Parameters:
    ///   - sessionFile: The session file, or `nil` for commands without one.
    ///   - currentDirectory: The working folder.
    ///   - environment: Where `POLYPHONY_PERSONAS` is read.
    ///   - executable: The running binary's path.
    public static func candidates(
        sessionFile: String?, currentDirectory: String, environment: [String: String], executable: String
    ) -> [String] {
        func absolute(_ path: String) -> String {
            let joined = path.hasPrefix("/") ? path : (currentDirectory as NSString).appendingPathComponent(path)
            return (joined as NSString).standardizingPath
        }
        var folders: [String] = []
        if let sessionFile {
            let sessionFolder = (absolute(sessionFile) as NSString).deletingLastPathComponent
            folders.append((sessionFolder as NSString).appendingPathComponent("personas"))
            folders.append(((sessionFolder as NSString).deletingLastPathComponent as NSString).appendingPathComponent("personas"))
        }
        folders.append(absolute("personas"))
        if let installed = environment["POLYPHONY_PERSONAS"], !installed.isEmpty { folders.append(absolute(installed)) }
        let binary = (absolute(executable) as NSString).resolvingSymlinksInPath
        let binaryFolder = (binary as NSString).deletingLastPathComponent
        folders.append(((binaryFolder as NSString).appendingPathComponent("../share/polyphony/personas") as NSString).standardizingPath)
        // A binary under `<checkout>/.build/<triple>/<configuration>/` (or the `.build/<configuration>` link to it).
        var folder = binaryFolder
        while folder != "/" && !folder.isEmpty {
            if (folder as NSString).lastPathComponent.hasPrefix(".build") {
                folders.append(((folder as NSString).deletingLastPathComponent as NSString).appendingPathComponent("personas"))
                break
            }
            folder = (folder as NSString).deletingLastPathComponent
        }
        var seen = Set<String>()
        return folders.filter { seen.insert($0).inserted }
    }

    /// The first candidate folder that holds persona files.
    /// - Throws: ``PolyphonyError/io(_:file:)`` listing every folder it looked in.
    public static func locate(sessionFile: String?, currentDirectory: String, environment: [String: String], executable: String) throws -> String {
        let folders = candidates(sessionFile: sessionFile, currentDirectory: currentDirectory, environment: environment, executable: executable)
        for folder in folders where holdsPersonas(folder) { return folder }
        throw PolyphonyError.io(
            "no persona folder found; looked in \(folders.joined(separator: ", ")); pass --personas DIR or set POLYPHONY_PERSONAS"
        )
    }

    private static func holdsPersonas(_ folder: String) -> Bool {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue,
            let names = try? FileManager.default.contentsOfDirectory(atPath: folder)
        else { return false }
        return names.contains { $0.hasSuffix(".md") && $0.lowercased() != "readme.md" }
    }
}
