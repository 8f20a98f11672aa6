import Foundation
import PolyphonyCore

#if canImport(Glibc)
import Glibc
#endif

/// A managed server must not outlive Polyphony, even after `kill -9`, when no code of ours
/// runs. The kernel closes a dead process's descriptors, so the server is started by a
/// `/bin/sh` watchdog whose standard input is a pipe that only Polyphony holds open: end of
/// file on it means Polyphony is gone, and the watchdog kills the server. It is started by
/// ``SpawnedProcess``, so its signals are unblocked and its `wait` and `trap` work.
///
/// `PR_SET_PDEATHSIG` was tried first; it follows the thread that spawned the child, not the
/// process, so the server died as soon as that pool thread was retired.
extension LocalModelServer {
    /// The watchdog's script; the server's command line follows as `"$@"`.
    ///
    /// The server runs as the watchdog's child with standard input closed; a builtin `read`
    /// loop in a background subshell waits for end of file and then SIGKILLs it. SIGTERM to
    /// the watchdog (``stop()``) is passed on to the server. When the server exits for any
    /// reason, the watchdog stops its reader and exits with the server's status, so a server
    /// that could not bind its port is seen at once.
    static let watchdogScript = """
        exec 3<&0 0</dev/null
        "$@" 3<&- &
        server=$!
        { while read -r line <&3; do :; done; kill -KILL "$server" 2>/dev/null; } &
        reader=$!
        exec 3<&-
        trap 'kill -TERM "$server" 2>/dev/null; signalled=1' TERM INT
        while :; do
            signalled=0
            wait "$server"
            status=$?
            [ "$signalled" = 1 ] || break
        done
        kill "$reader" 2>/dev/null
        exit "$status"
        """

    /// The shell that runs ``watchdogScript``.
    static let shell = "/bin/sh"

    /// A pipe whose two ends are closed on `exec`, so no other child of Polyphony inherits the
    /// write end and keeps the watchdog from seeing Polyphony die.
    /// - Returns: The end the watchdog reads, and the end Polyphony keeps open.
    static func lifelinePipe() throws -> (watchdog: FileHandle, polyphony: FileHandle) {
        var ends: [Int32] = [0, 0]
        // Glibc's module has no pipe2; another thread's spawn between these calls could
        // inherit the ends, which only delays the kill until that child exits.
        guard pipe(&ends) == 0 else {
            throw PolyphonyError.io("cannot create the local model server's lifeline pipe (errno \(errno))")
        }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        return (FileHandle(fileDescriptor: ends[0], closeOnDealloc: true), FileHandle(fileDescriptor: ends[1], closeOnDealloc: true))
    }
}
