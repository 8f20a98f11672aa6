import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes whole files so that a reader, or a crash, only ever sees the old file or the new one.
///
/// Every report, score file, manifest, threshold file and cache entry Polyphony writes goes
/// through ``write(_:to:durable:)``: the bytes go to a temporary file in the destination's own
/// folder (a rename is atomic only within one file system), are flushed, and the temporary
/// file is renamed over the destination. A process killed at any moment leaves the earlier
/// file intact, plus at most a hidden `.NAME.XXXXXX.tmp` beside it.
package enum AtomicFile {
    /// Replaces the file at `path` with `data`, or creates it.
    ///
    /// A symbolic link at `path` is followed, so the link stays and its target is replaced.
    /// An existing file keeps its permission bits; a new one gets `0644`.
    /// - Parameters:
    ///   - durable: `fsync` the file before the rename and the folder after it, so the new
    ///     contents survive a power cut. Turn off for files that are cheap to lose (a pid note).
    /// - Throws: ``PolyphonyError/io(_:file:)`` naming `path` when the folder is missing or
    ///   not writable, `path` is a directory, or the disk is full.
    package static func write(_ data: Data, to path: String, durable: Bool = true) throws {
        let target = resolvingSymbolicLink(path)
        var existing = stat()
        var mode: mode_t = 0o644
        if stat(target, &existing) == 0 {
            if (existing.st_mode & S_IFMT) == S_IFDIR {
                throw PolyphonyError.io("is a directory, not a file", file: path)
            }
            mode = existing.st_mode & 0o7777
        }
        let folder = (target as NSString).deletingLastPathComponent
        let name = (target as NSString).lastPathComponent
        var template = Array(((folder.isEmpty ? "" : folder + "/") + ".\(name).XXXXXX.tmp").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemps($0.baseAddress!, 4) }
        guard fd >= 0 else {
            throw PolyphonyError.io("cannot write: \(errorText(errno))", file: path)
        }
        let temporary = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var renamed = false
        defer {
            if !renamed { unlink(temporary) }
        }
        do {
            defer { close(fd) }
            try writeAll(data, to: fd, path: path)
            if fchmod(fd, mode) != 0 {
                throw PolyphonyError.io("cannot set permissions: \(errorText(errno))", file: path)
            }
            if durable, fsync(fd) != 0 {
                throw PolyphonyError.io("cannot flush: \(errorText(errno))", file: path)
            }
        }
        guard rename(temporary, target) == 0 else {
            throw PolyphonyError.io("cannot replace: \(errorText(errno))", file: path)
        }
        renamed = true
        if durable { syncFolder(folder.isEmpty ? "." : folder) }
    }

    /// Copies the file at `source` to `destination` through ``write(_:to:durable:)``.
    /// - Throws: ``PolyphonyError/io(_:file:)`` naming the file that failed.
    package static func copy(_ source: String, to destination: String) throws {
        guard let data = FileManager.default.contents(atPath: source) else {
            throw PolyphonyError.io(FileManager.default.fileExists(atPath: source) ? "cannot be read" : "no such file", file: source)
        }
        try write(data, to: destination)
    }

    private static func writeAll(_ data: Data, to fd: Int32, path: String) throws {
        try data.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var offset = 0
            while offset < raw.count {
                let written = Foundation.write(fd, base + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw PolyphonyError.io("cannot write: \(errorText(errno))", file: path)
                }
                offset += written
            }
        }
    }

    /// Makes the rename itself durable. Best effort: some file systems refuse `fsync` on a folder.
    private static func syncFolder(_ folder: String) {
        let fd = open(folder, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    /// `path`, or the file a symbolic link at `path` points to (relative targets resolved
    /// against the link's folder), so replacing a linked report keeps the link.
    private static func resolvingSymbolicLink(_ path: String) -> String {
        var current = path
        for _ in 0..<32 {
            guard let destination = try? FileManager.default.destinationOfSymbolicLink(atPath: current) else { return current }
            current = destination.hasPrefix("/")
                ? destination
                : ((current as NSString).deletingLastPathComponent as NSString).appendingPathComponent(destination)
        }
        return current
    }
}

/// `strerror` as a Swift string.
package func errorText(_ code: Int32) -> String {
    String(cString: strerror(code))
}
