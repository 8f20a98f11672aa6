import Foundation
import PolyphonyCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The one-writer-per-transcript lock of ``TranscriptWriter``.
///
/// The lock itself is `flock(LOCK_EX | LOCK_NB)` on the transcript's own descriptor: it
/// belongs to that open file, so a second writer conflicts even inside the same process, and
/// the kernel releases it when the holder exits or is killed. `flock` cannot say who holds
/// it, so the holder writes its pid into `<transcript>.lock` once it has the lock and removes
/// that note before letting go. A note left by a killed writer is stale but harmless: only
/// the `flock` decides, and the next writer replaces the note.
enum TranscriptLock {
    /// The sibling file holding the writer's pid.
    static func notePath(for transcript: String) -> String { transcript + ".lock" }

    /// Takes the lock on `fd` without waiting.
    /// - Throws: ``PolyphonyError/inUse(_:file:)`` naming the holder's pid when another writer has it.
    static func acquire(_ fd: Int32, path: String) throws {
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            switch errno {
            case EINTR:
                continue
            case EWOULDBLOCK:
                let holder = holder(of: path).map { "pid \($0)" } ?? "pid unknown"
                throw PolyphonyError.inUse(
                    "is being written by another polyphony process (\(holder)); wait for it to finish or stop it, then try again",
                    file: path)
            default:
                throw PolyphonyError.io("cannot lock the transcript for writing: \(errorText(errno))", file: path)
            }
        }
    }

    /// Records this process as the holder. Best effort: the lock holds without the note.
    static func noteHolder(of path: String) {
        try? AtomicFile.write(Data("\(getpid())\n".utf8), to: notePath(for: path), durable: false)
    }

    /// Removes the note; call while still holding the lock, so no other holder's note goes.
    static func forgetHolder(of path: String) {
        unlink(notePath(for: path))
    }

    /// The pid in the note, when it names a live process. A writer that has just taken the
    /// lock may not have written its note yet, so a missing or stale note is read again for
    /// up to a fifth of a second.
    static func holder(of path: String) -> Int32? {
        for attempt in 0..<20 {
            if attempt > 0 { usleep(10_000) }
            guard let text = try? String(contentsOfFile: notePath(for: path), encoding: .utf8),
                  let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0
            else { continue }
            if kill(pid, 0) == 0 || errno == EPERM { return pid }
        }
        return nil
    }
}
