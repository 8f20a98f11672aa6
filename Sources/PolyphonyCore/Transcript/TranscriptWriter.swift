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
public actor TranscriptWriter {
    /// The path being written.
    public nonisolated let path: String
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
                    throw PolyphonyError.io("write failed: \(String(cString: strerror(errno)))", file: path)
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

    /// Waits for outstanding `fsync`s, then closes the file. Later appends throw.
    public func close() async {
        try? await flush()
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

private func writeBytes(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int { write(fd, buffer, count) }
