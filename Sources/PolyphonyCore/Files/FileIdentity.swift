import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Which file a path names on disk: its device and inode, so two spellings of one file
/// (a symbolic or hard link, `./x`, `sub/../x`) compare equal and two files never do.
package struct FileIdentity: Hashable, Sendable {
    /// The device the file lives on.
    package let device: UInt64
    /// The file's inode number on that device.
    package let inode: UInt64

    /// The identity of the file at `path`, following symbolic links; `nil` when nothing is there.
    package init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }

    /// Whether `path` names a directory (following symbolic links).
    package static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Refuses a command whose output would land on one of its inputs, before anything is written.
    ///
    /// Outputs that do not exist yet cannot be an input and pass.
    /// - Parameters:
    ///   - inputs: The files the command read, or will read.
    ///   - outputs: The files it is about to write.
    /// - Throws: ``PolyphonyError/invalidInput(_:file:line:)`` naming the output and the input it would destroy.
    package static func refuseOverwriting(inputs: [String], with outputs: [String]) throws {
        var readFrom: [FileIdentity: String] = [:]
        for input in inputs {
            if let identity = FileIdentity(path: input), readFrom[identity] == nil { readFrom[identity] = input }
        }
        for output in outputs {
            guard let identity = FileIdentity(path: output), let input = readFrom[identity] else { continue }
            let which = input == output ? "it is an input" : "it is the input \(input)"
            throw PolyphonyError.invalidInput("refusing to write here: \(which); an output never overwrites an input, choose another file", file: output)
        }
    }
}
