/// The rule for every URL in the policy (`api.base_url`, `auth.token_url`, `auth.audience`): `https://`, or
/// `http://` only to a loopback host (`localhost`, `127.0.0.0/8`, `[::1]`), with a host and no user info.
///
/// A hand-written check rather than `URLComponents`, so the verdict is the same on every platform and each
/// failure has its own message. Messages never repeat the URL: a URL with user info carries a password.
enum EndpointURL {
    struct Problem: Error, Equatable {
        var message: String
    }

    /// The URL to use, or why it is refused.
    ///
    /// - Parameter isBaseURL: the API base: no query or fragment (paths are appended to it), trailing slashes
    ///   removed.
    static func check(_ text: String, isBaseURL: Bool) -> Result<String, Problem> {
        func problem(_ message: String) -> Result<String, Problem> { .failure(Problem(message: message)) }

        guard !text.isEmpty else { return problem("must not be empty") }
        guard text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            return problem("must not contain spaces, control or non-ASCII characters (percent-encode them)")
        }
        guard let schemeEnd = text.firstRange(of: "://") else {
            return problem("must be an absolute URL such as https://host/path")
        }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "https" || scheme == "http" else { return problem("must use https://") }

        let rest = text[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let afterAuthority = rest[authorityEnd...]
        if authority.contains("@") {
            return problem(
                "must not contain a user name or password; secrets belong in systemd credentials, "
                    + "never in the policy file")
        }

        let host: Substring
        let port: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return problem("has an invalid IPv6 host") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let afterHost = authority[authority.index(after: close)...]
            if afterHost.isEmpty {
                port = nil
            } else if afterHost.hasPrefix(":") {
                port = afterHost.dropFirst()
            } else {
                return problem("has an invalid IPv6 host")
            }
            guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                return problem("has an invalid IPv6 host")
            }
        } else {
            if let colon = authority.firstIndex(of: ":") {
                host = authority[..<colon]
                port = authority[authority.index(after: colon)...]
            } else {
                host = authority
                port = nil
            }
            guard !host.isEmpty else { return problem("must name a host") }
            guard host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }) else {
                return problem("has an invalid host name")
            }
        }
        if let port {
            guard let number = Int(port), (1...65_535).contains(number), port.allSatisfy(\.isNumber) else {
                return problem("has an invalid port (1-65535)")
            }
        }

        if isBaseURL, afterAuthority.contains("?") || afterAuthority.contains("#") {
            return problem("must not have a query (?…) or fragment (#…); request paths are appended to it")
        }
        if scheme == "http", !isLoopback(host: host, bracketed: authority.hasPrefix("[")) {
            return problem("must use https:// (http:// is allowed only to localhost, 127.0.0.0/8 or [::1])")
        }

        guard isBaseURL else { return .success(text) }
        var trimmed = Substring(text)
        while trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        return .success(String(trimmed))
    }

    /// Whether an already checked URL names a loopback host.
    static func hasLoopbackHost(_ url: String) -> Bool {
        guard let schemeEnd = url.firstRange(of: "://") else { return false }
        let rest = url[schemeEnd.upperBound...]
        let authority = rest[..<(rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex)]
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            return isLoopback(host: authority[authority.index(after: authority.startIndex)..<close], bracketed: true)
        }
        return isLoopback(host: authority.split(separator: ":", maxSplits: 1).first ?? "", bracketed: false)
    }

    /// `localhost`, an IPv4 address in 127.0.0.0/8, or the IPv6 loopback `::1`.
    static func isLoopback(host: Substring, bracketed: Bool) -> Bool {
        let host = host.lowercased()
        if bracketed { return host == "::1" || host == "0:0:0:0:0:0:0:1" }
        if host == "localhost" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return false }
        let values = octets.map { octet -> Int? in
            guard (1...3).contains(octet.count), octet.allSatisfy(\.isNumber) else { return nil }
            return Int(octet).flatMap { $0 <= 255 ? $0 : nil }
        }
        return values.allSatisfy { $0 != nil } && values[0] == 127
    }
}
