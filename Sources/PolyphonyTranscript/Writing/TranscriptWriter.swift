import Foundation
import PolyphonyCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends events to a transcript file, one JSON line each, and makes every line durable.
///
/// Each event is written with a single `write(2)` on an `O_APPEND` descriptor the moment it
/// is recorded, so a process killed at any instant leaves every complete line valid and at
/// most one partial final line, which ``TranscriptReader`` reports and skips.
///
/// Durability against a machine crash comes from `fsync`, with group commit: one `fsync`
/// runs off the actor at a time and covers every line written before it started, so 64
/// agents finishing together cost a few `fsync`s instead of 256 in a row (3 ms each here).
///
/// A transcript has one writer at a time. The writer holds an exclusive `flock` on the file
/// from opening to ``close()`` (the kernel drops it when the process dies, however it dies),
/// and notes its pid in `<transcript>.lock` so a second writer can say who holds the file.
public actor TranscriptWriter {
    /// How the file must look when a writer opens it.
    public enum Opening: Sendable {
        /// Create the file when it is missing, else append to it.
        case createOrAppend
        /// Start a new transcript: the file may not exist yet, or be empty.
        case new
        /// Continue a transcript that exists.
        case existing
    }

    /// The path being written.
    public nonisolated let path: String
    /// What opening the file changed, in the reader's words (a fragment cut off).
    public nonisolated let warnings: [String]
    private var descriptor: Int32
    private let encoder = TranscriptCoding.makeEncoder()
    private let durable: Bool
    private let syncQueue = DispatchQueue(label: "polyphony.transcript.fsync")
    /// Lines written so far, and lines known to be on disk.
    private var writtenCount: UInt64 = 0
    private var syncedCount: UInt64 = 0
    private var syncing = false
    private var syncError: PolyphonyError?
    private var waiters: [(target: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []

    /// Opens `path` for appending and takes the transcript's lock, creating the file and its
    /// folder when `opening` allows.
    ///
    /// Nothing in the file changes before the lock is held. Then, when the file ends without a
    /// newline, its last line is completed if it is a whole event (the reader accepts such a
    /// line, so it must stay) or cut off if it is a fragment a crash left mid-write, so the
    /// next event starts on a fresh line.
    /// - Parameters:
    ///   - durable: `fsync` after every event. Turn off only for throwaway files in benchmarks.
    ///   - opening: Whether the file must be new, must exist, or either.
    /// - Throws: ``PolyphonyError/inUse(_:file:)`` when another writer holds the transcript,
    ///   ``PolyphonyError/invalidInput(_:file:line:)`` when a new transcript's file already
    ///   holds one, ``PolyphonyError/io(_:file:)`` when it cannot be opened.
    public init(path: String, durable: Bool = true, opening: Opening = .createOrAppend) throws {
        self.path = path
        self.durable = durable
        if FileIdentity.isDirectory(path) {
            throw PolyphonyError.io("is a directory, not a transcript file", file: path)
        }
        var flags = O_RDWR | O_APPEND | O_CLOEXEC
        if opening != .existing {
            flags |= O_CREAT
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty {
                try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
        }
        let fd = open(path, flags, 0o644)
        guard fd >= 0 else {
            switch errno {
            case ENOENT: throw PolyphonyError.io("no such file", file: path)
            case EISDIR: throw PolyphonyError.io("is a directory, not a transcript file", file: path)
            default: throw PolyphonyError.io("cannot open for writing: \(errorText(errno))", file: path)
            }
        }
        do {
            try TranscriptLock.acquire(fd, path: path)
            if opening == .new, lseek(fd, 0, SEEK_END) > 0 {
                // Only a file that starts as a transcript can be resumed; say so only then.
                var first = [UInt8](repeating: 0, count: 64)
                let read = pread(fd, &first, first.count, 0)
                let looksLikeTranscript = read > 0 && String(decoding: first.prefix(max(0, read)), as: UTF8.self).hasPrefix("{")
                throw PolyphonyError.invalidInput(
                    looksLikeTranscript
                        ? "transcript already exists; continue it with `polyphony run --resume \(path)` or choose another --out"
                        : "a file that is not a transcript is already there; choose another --out", file: path)
            }
            let cut = try Self.completeFinalLine(fd: fd, path: path, durable: durable, opening: opening)
            warnings = cut.map { ["\(path): final line cut off mid-write (\($0) bytes); removed before appending"] } ?? []
        } catch {
            _ = closeDescriptor(fd)
            throw error
        }
        self.descriptor = fd
        TranscriptLock.noteHolder(of: path)
    }

    deinit {
        if descriptor >= 0 {
            TranscriptLock.forgetHolder(of: path)
            _ = closeDescriptor(descriptor)
        }
    }

    /// Writes one event as a line and, when durable, waits until it is on disk.
    /// - Throws: ``PolyphonyError`` when the write or the `fsync` fails (disk full, closed writer).
    public func append(_ event: TranscriptEvent) async throws {
        let sequence = try write(event)
        try await waitUntilDurable(sequence)
    }

    /// Writes one event as a line now, without waiting for `fsync`.
    /// - Returns: The line's sequence number, for ``waitUntilDurable(_:)``.
    @discardableResult
    public func write(_ event: TranscriptEvent) throws -> UInt64 {
        try write(contentsOf: [event])
    }

    /// Writes `events` as lines now, in order and with a single `write(2)`, without waiting for `fsync`.
    ///
    /// A turn and its ideas go out together this way: one system call instead of one a line,
    /// and one `fsync` covers them all.
    /// - Returns: The last line's sequence number, for ``waitUntilDurable(_:)``.
    @discardableResult
    public func write(contentsOf events: [TranscriptEvent]) throws -> UInt64 {
        guard descriptor >= 0 else { throw PolyphonyError.io("transcript writer is closed", file: path) }
        var lines = Data()
        for event in events {
            do {
                lines.append(try TranscriptCoding.line(for: event, encoder: encoder))
            } catch {
                throw PolyphonyError.io("cannot encode \(event.type.rawValue) event: \(error)", file: path)
            }
        }
        guard !lines.isEmpty else { return writtenCount }
        try lines.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = writeBytes(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw PolyphonyError.io("write failed: \(errorText(errno))", file: path)
                }
                offset += written
            }
        }
        writtenCount += UInt64(events.count)
        if durable { startSyncIfNeeded() }
        return writtenCount
    }

    /// Waits until every line up to `sequence` is on disk.
    /// - Throws: ``PolyphonyError`` when an `fsync` failed.
    public func waitUntilDurable(_ sequence: UInt64) async throws {
        guard durable else { return }
        if let syncError { throw syncError }
        if syncedCount >= sequence { return }
        try await withCheckedThrowingContinuation { continuation in
            waiters.append((sequence, continuation))
            startSyncIfNeeded()
        }
    }

    /// Waits until every line written so far is on disk.
    public func flush() async throws {
        try await waitUntilDurable(writtenCount)
    }

    private func startSyncIfNeeded() {
        guard !syncing, writtenCount > syncedCount, descriptor >= 0 else { return }
        syncing = true
        let target = writtenCount
        let fd = descriptor
        syncQueue.async {
            let failure = fsync(fd) == 0 ? nil : String(cString: strerror(errno))
            Task { await self.finishSync(target: target, failure: failure) }
        }
    }

    private func finishSync(target: UInt64, failure: String?) {
        syncing = false
        if let failure {
            syncError = PolyphonyError.io("fsync failed: \(failure)", file: path)
        } else {
            syncedCount = max(syncedCount, target)
        }
        var pending: [(target: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
        for waiter in waiters {
            if let syncError {
                waiter.continuation.resume(throwing: syncError)
            } else if waiter.target <= syncedCount {
                waiter.continuation.resume()
            } else {
                pending.append(waiter)
            }
        }
        waiters = pending
        startSyncIfNeeded()
    }

    /// Waits for outstanding `fsync`s, then closes the file and releases its lock. Later appends throw.
    public func close() async {
        try? await flush()
        if descriptor >= 0 {
            TranscriptLock.forgetHolder(of: path)
            _ = closeDescriptor(descriptor)
            descriptor = -1
        }
    }

    /// Ends the file on a newline: a last line that is a whole event gets its newline, a
    /// fragment is cut off.
    ///
    /// Only a transcript is changed: unless the first line is a session header, the file is
    /// left as it is and refused (a wrong path given to `run --resume` loses nothing). The one
    /// exception is a file that is nothing but a fragment, which ``Opening/createOrAppend``
    /// takes for a header a kill cut mid-write and empties.
    /// - Returns: The size of the fragment cut off, if one was.
    private static func completeFinalLine(fd: Int32, path: String, durable: Bool, opening: Opening) throws -> Int? {
        let size = lseek(fd, 0, SEEK_END)
        guard size > 0 else { return nil }
        let lineStart = try startOfLastLine(fd: fd, size: size, path: path)
        guard lineStart < size else { return nil }
        let tail = try bytes(fd: fd, from: lineStart, count: Int(size - lineStart), path: path)
        let lastEvent = try TranscriptReader.event(in: tail, file: path, line: nil)
        let first = lineStart == 0 ? lastEvent : try TranscriptReader.event(in: try firstLine(fd: fd, path: path), file: path, line: 1)
        if case .session = first {
            // A transcript: keep a whole last event, cut a fragment.
        } else if lineStart == 0, opening == .createOrAppend {
            // Nothing but a fragment: a header cut mid-write, in a file this writer may create.
        } else if lineStart == 0 {
            throw PolyphonyError.invalidInput("no complete session event (the only line is cut off); nothing was changed", file: path)
        } else {
            throw PolyphonyError.invalidInput("not a transcript: the first line is not a session event; nothing was changed", file: path, line: 1)
        }
        if lastEvent != nil {
            var newline: UInt8 = 0x0A
            while writeBytes(fd, &newline, 1) != 1 {
                guard errno == EINTR else {
                    throw PolyphonyError.io("cannot complete the final line: \(errorText(errno))", file: path)
                }
            }
            if durable, fsync(fd) != 0 {
                throw PolyphonyError.io("fsync failed: \(errorText(errno))", file: path)
            }
            return nil
        }
        guard ftruncate(fd, lineStart) == 0 else {
            throw PolyphonyError.io("cannot cut the partial final line: \(errorText(errno))", file: path)
        }
        return tail.count
    }

    /// The offset just after the file's last newline, or 0: found walking back a block at a time.
    private static func startOfLastLine(fd: Int32, size: off_t, path: String) throws -> off_t {
        var end = size
        var block = [UInt8](repeating: 0, count: 64 * 1024)
        while end > 0 {
            let count = Int(min(Int64(block.count), Int64(end)))
            let offset = end - off_t(count)
            guard pread(fd, &block, count, offset) == count else {
                throw PolyphonyError.io("cannot read the end of the transcript: \(errorText(errno))", file: path)
            }
            if let index = block[0..<count].lastIndex(of: 0x0A) { return offset + off_t(index) + 1 }
            end = offset
        }
        return 0
    }

    /// The file's first line, without its newline.
    private static func firstLine(fd: Int32, path: String) throws -> Data {
        var line = Data()
        var offset: off_t = 0
        while true {
            let chunk = try bytes(fd: fd, from: offset, count: 64 * 1024, path: path, exact: false)
            if let newline = chunk.firstIndex(of: 0x0A) {
                line.append(chunk[chunk.startIndex..<newline])
                return line
            }
            line.append(chunk)
            if chunk.isEmpty { return line }
            offset += off_t(chunk.count)
        }
    }

    /// Up to `count` bytes from `offset`; exactly `count` unless `exact` is off.
    private static func bytes(fd: Int32, from offset: off_t, count: Int, path: String, exact: Bool = true) throws -> Data {
        var buffer = [UInt8](repeating: 0, count: count)
        let read = pread(fd, &buffer, count, offset)
        guard read >= 0, !exact || read == count else {
            throw PolyphonyError.io("cannot read the transcript: \(errorText(errno))", file: path)
        }
        return Data(buffer[0..<read])
    }
}

private func closeDescriptor(_ fd: Int32) -> Int32 { close(fd) }

private func writeBytes(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int { write(fd, buffer, count) }
