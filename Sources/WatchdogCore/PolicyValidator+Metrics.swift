import WatchdogProtocol

extension PolicyValidator {
    /// `[metrics] listen`: empty, an absolute Unix socket path that fits `sun_path`, or `HOST:PORT` / `PORT` with an
    /// IP address (no name is looked up, but `localhost`) and a port from 0 to 65535 (0: one the kernel picks; the
    /// start's `metrics served at` line names it).
    mutating func metrics(in root: TOMLTable) -> Policy.MetricsConfiguration {
        var configuration = Policy.MetricsConfiguration()
        let path = PolicyKeyPath("metrics")
        guard let table = section(in: root, "metrics") else { return configuration }
        checkUnknownKeys(in: table, at: path, known: Self.sectionKeys["metrics", default: []])
        guard let text = string(in: table, "listen", at: path) else { return configuration }
        switch Self.listen(text) {
        case .success(let listen): configuration.listen = listen
        case .failure(let problem): report(path.appending("listen"), problem.message)
        }
        return configuration
    }

    struct ListenProblem: Error {
        let message: String
    }

    static func listen(_ text: String) -> Result<Policy.MetricsListen, ListenProblem> {
        if text.isEmpty { return .success(.off) }
        if text.hasPrefix("/") {
            guard UnixSocketAddress(path: text) != nil else {
                return .failure(
                    ListenProblem(
                        message: "a socket path must be at most \(UnixSocketAddress.maximumPathBytes) bytes, "
                            + "got \(text.utf8.count)"))
            }
            return .success(.unix(path: text))
        }
        let host: Substring
        let portText: Substring
        if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        } else {
            host = "127.0.0.1"
            portText = text[...]
        }
        let expected = #"expected "", "HOST:PORT", "PORT" or an absolute socket path, got \#(quotedForMessage(text))"#
        guard let port = Int(portText), (0...65_535).contains(port), portText.allSatisfy({ $0.isASCII && $0.isNumber })
        else {
            return .failure(ListenProblem(message: "\(expected): the port must be a number from 0 to 65535"))
        }
        if host == "localhost" { return .success(.tcp(host: "127.0.0.1", port: port)) }
        if host.hasPrefix("[") && host.hasSuffix("]") {
            let address = host.dropFirst().dropLast()
            guard isIPv6(address) else {
                return .failure(
                    ListenProblem(message: "\(expected): \(quotedForMessage(String(host))) is no IPv6 address"))
            }
            return .success(.tcp(host: String(address), port: port))
        }
        guard isIPv4(host) else {
            return .failure(
                ListenProblem(
                    message: "\(expected): the host must be an IP address (127.0.0.1, [::1]) or localhost, "
                        + "got \(quotedForMessage(String(host)))"))
        }
        return .success(.tcp(host: String(host), port: port))
    }

    /// Four decimal numbers from 0 to 255, without leading zeros.
    private static func isIPv4(_ text: Substring) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4
            && parts.allSatisfy { part in
                part.count <= 3 && part.allSatisfy { $0.isASCII && $0.isNumber }
                    && (part == "0" || !part.hasPrefix("0")) && Int(part).map { $0 <= 255 } == true
            }
    }

    /// Hex groups and colons, with at most one `::` (the bind itself rejects the rest).
    private static func isIPv6(_ text: Substring) -> Bool {
        let groups = text.split(separator: ":", omittingEmptySubsequences: false)
        return text.contains(":") && groups.count <= 8
            && groups.allSatisfy { $0.count <= 4 && $0.allSatisfy(\.isHexDigit) }
            && text.ranges(of: "::").count <= 1
    }
}
