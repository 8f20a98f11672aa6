import Foundation
import Logging
import PolyphonyCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Adds ratings to a ratings file durably, one idea at a time, so a rating once given is
/// never lost: a killed session leaves every idea finished before it on disk.
///
/// Each append re-reads the file, adds the new rows at the end and replaces the file through
/// ``AtomicFile`` (flushed, renamed, folder synced). A crash leaves the file with or without
/// the idea's rows, never half a row. Two raters saving into one file take turns: the
/// read-and-replace holds an exclusive `flock` on the file's folder (the file itself is
/// replaced by each save, so it cannot carry the lock), so neither drops the other's rows.
package struct RatingsLog: Sendable {
    /// The ratings file.
    package let path: String
    /// Says when a save waits for another rater's save to the same folder.
    package let logger: Logger

    /// Opens (without creating) the ratings file at `path`.
    /// - Parameter logger: Receives a line when a save waits for the lock; logs nothing by default.
    package init(path: String, logger: Logger = .disabled) {
        self.path = path
        self.logger = logger
    }

    /// The ratings already in the file; none when it does not exist yet.
    /// - Throws: ``PolyphonyError`` for an unreadable file or a malformed line (file and line named).
    package func existing() throws -> [Rating] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        return try RatingsFile.read(path: path)
    }

    /// Appends `ratings` and makes them durable before returning.
    /// - Throws: ``PolyphonyError`` when the file has become malformed or cannot be written.
    package func append(_ ratings: [Rating]) throws {
        guard !ratings.isEmpty else { return }
        let folder = (path as NSString).deletingLastPathComponent
        let folderDescriptor = open(folder.isEmpty ? "." : folder, O_RDONLY | O_CLOEXEC)
        guard folderDescriptor >= 0 else {
            throw PolyphonyError.io("cannot open the folder to save ratings: \(String(cString: strerror(errno)))", file: path)
        }
        defer { close(folderDescriptor) }
        if flock(folderDescriptor, LOCK_EX | LOCK_NB) != 0, errno == EWOULDBLOCK {
            logger.info("waiting for another save to this folder's ratings to finish", metadata: ["file": "\(path)"])
        }
        while flock(folderDescriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw PolyphonyError.io("cannot lock the folder to save ratings: \(String(cString: strerror(errno)))", file: path)
            }
        }
        defer { _ = flock(folderDescriptor, LOCK_UN) }
        var bytes = FileManager.default.contents(atPath: path).map(Array.init) ?? []
        if !bytes.isEmpty {
            // Refuse to add to a file that is not a ratings file, rather than bury its contents.
            _ = try RatingsFile.parse(bytes, path: path)
            if bytes.last != 0x0A { bytes += Array("\r\n".utf8) }
        }
        let onlyBlank = bytes.allSatisfy { $0 == 0x0A || $0 == 0x0D || $0 == 0x20 }
        if onlyBlank {
            bytes = Array(RatingsFile.csv(ratings, header: true).utf8)
        } else {
            bytes += Array(RatingsFile.csv(ratings, header: false).utf8)
        }
        try AtomicFile.write(Data(bytes), to: path)
    }
}
