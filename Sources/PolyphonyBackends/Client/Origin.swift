import Foundation

/// The scheme, host and port of a URL: where a credential may be sent.
///
/// Two URLs share an origin when all three agree, with the scheme's default port filled
/// in, so `https://api.example.com` and `https://API.example.com:443/v1` are one origin and
/// `http://api.example.com` is another.
struct Origin: Hashable, Sendable, CustomStringConvertible {
    let scheme: String
    let host: String
    let port: Int

    /// `nil` for URLs that are not http(s) or have no host.
    init?(_ url: URL) {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host?.lowercased(), !host.isEmpty
        else { return nil }
        self.scheme = scheme
        self.host = host
        self.port = url.port ?? (scheme == "https" ? 443 : 80)
    }

    /// `scheme://host:port`, with an IPv6 host in brackets.
    var description: String {
        let shownHost = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "\(scheme)://\(shownHost):\(port)"
    }
}
