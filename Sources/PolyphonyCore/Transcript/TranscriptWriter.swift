import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends events to a transcript file, one JSON line each, and makes every line durable
/// before returning.
///
/// Each event is written with a single `write(2)` on an `O_APPEND` descriptor and then
/// `fsync`ed, so a process killed at any instant leaves every complete line valid and at
/// most one partial final line, which ``TranscriptReader`` reports and skips.
public actor TranscriptWriter {
    /// The path being written.
    public nonisolated let path: String
    private var descriptor: Int32
    private let encoder = TranscriptCoding.makeEncoder()
    private let durable: Bool

    /// Opens `path` for appending, creating it and its folder when missing.
    ///
    /// When the file ends in a partial line (a crash mid-write), that fragment is cut off
    /// first so the next event starts on a fresh line.
    /// - Parameters:
    ///   - durable: `fsync` after every event. Turn off only for throwaway files in benchmarks.
    /// - Throws: ``PolyphonyError`` when the file cannot be opened.
    public init(path: String, durable: Bool = true) throws {
        self.path = path
        self.durable = durable
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        let fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw PolyphonyError.io("cannot open for writing: \(String(cString: strerror(errno)))", file: path)
        }
        self.descriptor = fd
        try Self.dropPartialFinalLine(fd: fd, path: path)
    }

    deinit {
        if descriptor >= 0 { _ = closeDescriptor(descriptor) }
    }

    /// Writes one event as a line and, when durable, waits until it is on disk.
    /// - Throws: ``PolyphonyError`` when the write fails (disk full, closed writer).
    public func append(_ event: TranscriptEvent) throws {
        guard descriptor >= 0 else { throw PolyphonyError.io("transcript writer is closed", file: path) }
        let line: Data
        do {
            line = try TranscriptCoding.line(for: event, encoder: encoder)
        } catch {
            throw PolyphonyError.io("cannot encode \(event.type.rawValue) event: \(error)", file: path)
        }
        try line.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw PolyphonyError.io("write failed: \(String(cString: strerror(errno)))", file: path)
                }
                offset += written
            }
        }
        if durable, fsync(descriptor) != 0 {
            throw PolyphonyError.io("fsync failed: \(String(cString: strerror(errno)))", file: path)
        }
    }

    /// Closes the file. Later appends throw.
    public func close() {
        if descriptor >= 0 {
            _ = closeDescriptor(descriptor)
            descriptor = -1
        }
    }

    private static func dropPartialFinalLine(fd: Int32, path: String) throws {
        let size = lseek(fd, 0, SEEK_END)
        guard size > 0 else { return }
        // Walk back from the end to the last newline; everything after it is a fragment.
        var position = size
        var byte: UInt8 = 0
        while position > 0 {
            guard pread(fd, &byte, 1, position - 1) == 1 else {
                throw PolyphonyError.io("cannot read the end of the transcript: \(String(cString: strerror(errno)))", file: path)
            }
            if byte == 0x0A { break }
            position -= 1
        }
        if position < size, ftruncate(fd, position) != 0 {
            throw PolyphonyError.io("cannot cut the partial final line: \(String(cString: strerror(errno)))", file: path)
        }
    }
}

private func closeDescriptor(_ fd: Int32) -> Int32 { close(fd) }
