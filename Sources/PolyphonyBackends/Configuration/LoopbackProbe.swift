import Foundation
import PolyphonyCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks, before a session starts, that a server named on this machine is listening.
///
/// A model server on loopback (Ollama, llama.cpp, vLLM on `127.0.0.1`) that is not running
/// would otherwise be found out at the first turn, after the transcript exists. Remote hosts
/// are not probed: a connect there costs a round trip and proves little about the API.
enum LoopbackProbe {
    /// Whether `host` names this machine.
    static func isLoopback(_ host: String) -> Bool {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        return bare == "localhost" || bare.hasSuffix(".localhost") || bare == "::1" || bare.hasPrefix("127.")
    }

    /// Throws when `config`'s `base_url` is on loopback and nothing accepts a connection there.
    /// - Parameter timeout: How long one connect may take; loopback answers at once.
    /// - Throws: ``PolyphonyError/backend(_:backend:status:isRetryable:)`` naming the address.
    static func check(_ config: BackendConfiguration, timeout: Duration = .seconds(2)) throws {
        guard let url = URL(string: config.baseURL), let host = url.host, isLoopback(host) else { return }
        let port = url.port ?? (url.scheme == "https" ? 443 : 80)
        guard !accepts(host: host, port: port, timeout: timeout) else { return }
        throw PolyphonyError.backend(
            "no server is listening at \(config.baseURL); start it (for Ollama: `ollama serve`) or point base_url elsewhere",
            backend: config.name
        )
    }

    /// Whether a TCP connection to `host:port` opens within `timeout`.
    static func accepts(host: String, port: Int, timeout: Duration) -> Bool {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Darwin)
        hints.ai_socktype = SOCK_STREAM
        #else
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #endif
        var found: UnsafeMutablePointer<addrinfo>?
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        guard getaddrinfo(bare, String(port), &hints, &found) == 0, let first = found else { return false }
        defer { freeaddrinfo(first) }
        let milliseconds = Int32(clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let address = candidate {
            candidate = address.pointee.ai_next
            let fd = socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            if connect(fd, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 { return true }
            guard errno == EINPROGRESS else { continue }
            var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            guard poll(&poller, 1, milliseconds) == 1 else { continue }
            var failure: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            if getsockopt(fd, SOL_SOCKET, SO_ERROR, &failure, &length) == 0, failure == 0 { return true }
        }
        return false
    }
}
