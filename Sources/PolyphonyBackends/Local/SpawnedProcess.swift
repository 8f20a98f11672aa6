import Foundation
import PolyphonyCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`, every signal unblocked and at its default
/// action.
///
/// Foundation's `Process` hands its child the spawning thread's signal mask and the parent's
/// ignored signals, and libdispatch's pool threads block almost every signal. A `/bin/sh`
/// watchdog started that way never received SIGCHLD, so its `wait` for the server never
/// returned, and it could not trap SIGTERM.
package final class SpawnedProcess: Sendable {
    /// The child's process id.
    package let processIdentifier: Int32
    /// The raw `waitpid` status once the child has been reaped.
    private let reaped = Mutex<Int32?>(nil)

    /// Signals the child gets back at their default action, whatever the parent set.
    private static let defaultedSignals = [SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGALRM, SIGTERM, SIGCHLD, SIGUSR1, SIGUSR2]

    /// Starts `executable` with `arguments`, this process's environment, `input` as its
    /// standard input and `output` as both standard output and error.
    /// - Throws: ``PolyphonyError`` naming the executable when it cannot be started.
    package init(executable: String, arguments: [String], input: Int32, output: Int32) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, output, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        posix_spawnattr_setsigmask(&attributes, &unblocked)
        var defaulted = sigset_t()
        sigemptyset(&defaulted)
        for signal in Self.defaultedSignals { sigaddset(&defaulted, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaulted)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard result == 0 else {
            throw PolyphonyError.io("cannot start \(executable): \(String(cString: strerror(result)))", file: executable)
        }
        processIdentifier = pid
    }

    /// Whether the child is still alive; reaps it once it has exited.
    package var isRunning: Bool {
        reaped.withLock { status in
            guard status == nil else { return false }
            var raw: Int32 = 0
            let result = waitpid(processIdentifier, &raw, WNOHANG)
            if result == processIdentifier {
                status = raw
                return false
            }
            if result == -1, errno == ECHILD {
                status = -1
                return false
            }
            return true
        }
    }

    /// Sends `signal` unless the child has already been reaped (its id may be reused).
    package func send(_ signal: Int32) {
        if isRunning { kill(processIdentifier, signal) }
    }

    /// The child's exit code once it has been reaped (128 + the signal if a signal ended it), else `nil`.
    package var terminationStatus: Int32? {
        guard !isRunning, let raw = reaped.withLock({ $0 }) else { return nil }
        let signal = raw & 0x7F
        return signal == 0 ? (raw >> 8) & 0xFF : 128 + signal
    }

    /// Blocks until the child has exited and been reaped.
    package func waitUntilExit() {
        while isRunning { usleep(20_000) }
    }
}
