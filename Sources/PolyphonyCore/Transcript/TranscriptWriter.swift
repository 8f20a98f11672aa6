import Foundation

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
                throw PolyphonyError.invalidInput("transcript already exists; continue it with `polyphony run --resume \(path)` or choose another --out", file: path)
            }
            let cut = try Self.completeFinalLine(fd: fd, path: path, durable: durable)
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
                let written = writeBytes(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw PolyphonyError.io("write failed: \(errorText(errno))", file: path)
                }
                offset += written
            }
        }
        writtenCount += 1
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
    /// - Returns: The size of the fragment cut off, if one was.
    private static func completeFinalLine(fd: Int32, path: String, durable: Bool) throws -> Int? {
        let size = lseek(fd, 0, SEEK_END)
        guard size > 0 else { return nil }
        // Walk back from the end, a block at a time, to the last newline.
        var lineStart = size
        var block = [UInt8](repeating: 0, count: 64 * 1024)
        search: while lineStart > 0 {
            let count = Int(min(Int64(block.count), Int64(lineStart)))
            let offset = lineStart - off_t(count)
            guard pread(fd, &block, count, offset) == count else {
                throw PolyphonyError.io("cannot read the end of the transcript: \(errorText(errno))", file: path)
            }
            for index in stride(from: count - 1, through: 0, by: -1) where block[index] == 0x0A {
                lineStart = offset + off_t(index) + 1
                break search
            }
            lineStart = offset
        }
        guard lineStart < size else { return nil }
        var tail = [UInt8](repeating: 0, count: Int(size - lineStart))
        guard pread(fd, &tail, tail.count, lineStart) == tail.count else {
            throw PolyphonyError.io("cannot read the end of the transcript: \(errorText(errno))", file: path)
        }
        if TranscriptReader.isCompleteEvent(Data(tail)) {
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
}

private func closeDescriptor(_ fd: Int32) -> Int32 { close(fd) }

private func writeBytes(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int { write(fd, buffer, count) }
