import AsyncHTTPClient
import FoundationEssentials
import Glibc
import Logging
import NIOCore
import NIOHTTP1

/// The production ``StopTransport``: one shared AsyncHTTPClient `HTTPClient` on the process-wide event loop group
/// singleton, with a keep-alive connection pool, so consecutive stops reuse a TLS connection.
///
/// Each ``send(_:)`` is one `POST {baseURL}/v1/ai/agents/tasks/{taskId}/stop` with `Authorization: Bearer …`,
/// `Accept: application/problem+json` and `User-Agent: maia-watchdog/<version>`, bounded as a whole (connect, send,
/// response head and body) by `request.timeout`. Redirects are not followed (a redirected POST would carry the token to
/// another place), and a failed connection attempt is not retried inside the pool: each call is exactly one attempt
/// and the caller's retry schedule decides what happens next. Call ``shutdown()`` before the process exits.
public final class HTTPStopTransport: StopTransport {
    private let client: HTTPClient
    let userAgent: String
    private let logger: Logger?

    /// Creates the transport. `version` goes into the `User-Agent` header; `logger`, when given, receives
    /// AsyncHTTPClient's own (debug and trace level) logs, which never include request headers.
    /// `maxConnections` caps the pooled HTTP/1.1 connections per host (AsyncHTTPClient's default is 8).
    public init(version: String, maxConnections: Int = 8, logger: Logger? = nil) {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10)),
            decompression: .disabled
        )
        configuration.connectionPool = .init(idleTimeout: .seconds(60))
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(1, maxConnections)
        configuration.connectionPool.retryConnectionEstablishment = false
        if let logger {
            self.client = HTTPClient(
                eventLoopGroup: HTTPClient.defaultEventLoopGroup,
                configuration: configuration,
                backgroundActivityLogger: logger
            )
        } else {
            self.client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        }
        self.userAgent = "maia-watchdog/\(version)"
        self.logger = logger
    }

    /// Shuts the HTTP client down, closing pooled connections. Requests in flight fail with
    /// ``StopTransportError/cancelled``.
    public func shutdown() async throws {
        try await self.client.shutdown()
    }

    /// Sends one Stop request; see ``StopTransport/send(_:)``.
    public func send(_ request: StopRequest) async throws(StopTransportError) -> StopResponse {
        let httpRequest = try self.makeRequest(request)
        do {
            return try await self.execute(httpRequest, timeout: request.timeout)
        } catch {
            throw Self.map(error, redacting: request.bearerToken)
        }
    }

    private func makeRequest(_ request: StopRequest) throws(StopTransportError) -> HTTPClientRequest {
        // A token with a line break would split the header; AsyncHTTPClient would reject it with an error that
        // quotes the header value, so check here and say nothing about the value.
        guard !request.bearerToken.isEmpty,
            request.bearerToken.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F })
        else {
            throw .invalidRequest("the API token is empty or contains spaces or control characters")
        }
        guard let taskID = Self.pathSegment(request.taskID) else {
            throw .invalidRequest("the task ID is empty or not encodable")
        }
        let url = "\(request.baseURL)/v1/ai/agents/tasks/\(taskID)/stop"
        guard Self.isHTTPURL(request.baseURL) else {
            throw .invalidRequest("the base URL \(request.baseURL) is not an http or https URL")
        }
        var httpRequest = HTTPClientRequest(url: url)
        httpRequest.method = .POST
        httpRequest.headers.add(name: "Authorization", value: "Bearer \(request.bearerToken)")
        httpRequest.headers.add(name: "Accept", value: "application/problem+json")
        httpRequest.headers.add(name: "User-Agent", value: self.userAgent)
        // An explicit empty body gives `Content-Length: 0`, which some proxies insist on for a POST.
        httpRequest.body = .bytes(ByteBuffer())
        return httpRequest
    }

    /// `text` as one URL path segment: as it is when it holds only characters a segment may hold
    /// (a task UUID always does, so the common case costs one scan), else with every other UTF-8
    /// byte percent-encoded (RFC 3986 `pchar` less `;`, exactly Foundation's
    /// `urlPathAllowed` less `/`); `nil` if empty.
    static func pathSegment(_ text: String) -> String? {
        guard !text.isEmpty else { return nil }
        func allowed(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"), UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"),
                UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","),
                UInt8(ascii: "="), UInt8(ascii: ":"), UInt8(ascii: "@"):
                return true
            default:
                return false
            }
        }
        if text.utf8.allSatisfy(allowed) { return text }
        let hex = Array("0123456789ABCDEF".utf8)
        var encoded: [UInt8] = []
        encoded.reserveCapacity(text.utf8.count * 3)
        for byte in text.utf8 {
            if allowed(byte) {
                encoded.append(byte)
            } else {
                encoded += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: encoded, as: UTF8.self)
    }

    /// Whether `text` is `http://HOST…` or `https://HOST…` (scheme in any case, a non-empty host).
    /// The policy validated the base URL at load; this only guards the transport's own contract
    /// without parsing a URL per request (AsyncHTTPClient parses it once more anyway).
    static func isHTTPURL(_ text: String) -> Bool {
        let lowered = text.prefix(8).lowercased()
        let rest: Substring
        if lowered.hasPrefix("http://") {
            rest = text.dropFirst(7)
        } else if lowered.hasPrefix("https://") {
            rest = text.dropFirst(8)
        } else {
            return false
        }
        guard let first = rest.first else { return false }
        return first != "/" && first != "?" && first != "#" && first != ":"
    }

    /// Runs the exchange under one bound. AsyncHTTPClient's deadline covers only the response head, so a second
    /// child task bounds the body as well.
    func execute(_ request: HTTPClientRequest, timeout: Duration) async throws -> StopResponse {
        try await withThrowingTaskGroup(of: StopResponse.self) { group in
            group.addTask {
                let response = try await self.client.execute(
                    request,
                    timeout: TimeAmount(timeout),
                    logger: self.logger
                )
                var body: [UInt8] = []
                for try await chunk in response.body {
                    let room = StopResponse.maximumBodySize - body.count
                    if room > 0 {
                        body += chunk.readableBytesView.prefix(room)
                    }
                }
                return StopResponse(
                    status: Int(response.status.code),
                    headers: response.headers.map { (name: $0.name, value: $0.value) },
                    body: body
                )
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw StopTransportError.timedOut
            }
            defer { group.cancelAll() }
            guard let response = try await group.next() else {
                throw StopTransportError.timedOut
            }
            return response
        }
    }

    /// Maps AsyncHTTPClient and NIO errors to short reasons. The token is scrubbed from any text taken from an error
    /// description, as a last line of defence.
    static func map(_ error: any Error, redacting token: String) -> StopTransportError {
        if let error = error as? StopTransportError {
            return error
        }
        if error is CancellationError {
            return .cancelled
        }
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout, .tlsHandshakeTimeout,
                .getConnectionFromPoolTimeout, .httpProxyHandshakeTimeout, .socksHandshakeTimeout:
                return .timedOut
            case .remoteConnectionClosed:
                return .connectionFailed("the server closed the connection without answering")
            case .cancelled, .alreadyShutdown:
                return .cancelled
            case .invalidURL, .emptyHost, .emptyScheme:
                return .invalidRequest("the base URL is not valid")
            default:
                return .protocolError(error.shortDescription)
            }
        }
        if let error = error as? HTTPParserError {
            return .protocolError("malformed HTTP response (\(error))")
        }
        if let error = error as? ChannelError {
            switch error {
            case .connectTimeout:
                return .timedOut
            case .eof, .ioOnClosedChannel, .alreadyClosed, .outputClosed, .inputClosed:
                return .connectionFailed("the connection was closed")
            default:
                break
            }
        }
        if let error = error as? IOError {
            return Self.fromErrno(error.errnoCode) ?? .connectionFailed(Self.shorten("\(error)", redacting: token))
        }
        // NIOPosix's NIOConnectionError (refused, DNS failures) is not reachable from this module's imports; its text
        // names the cause.
        let text = String(describing: error)
        for (needle, reason) in Self.knownReasons where text.contains(needle) {
            return .connectionFailed(reason)
        }
        return .connectionFailed(Self.shorten(text, redacting: token))
    }

    private static let knownReasons: [(String, String)] = [
        ("DNS error", "the host name could not be resolved"),
        ("Connection refused", "connection refused"),
        ("Connection reset", "connection reset by peer"),
        ("No route to host", "no route to host"),
        ("Network is unreachable", "network is unreachable"),
        ("Connection timed out", "connection timed out"),
    ]

    private static func fromErrno(_ code: CInt) -> StopTransportError? {
        switch code {
        case ECONNREFUSED: return .connectionFailed("connection refused")
        case ECONNRESET: return .connectionFailed("connection reset by peer")
        case EPIPE: return .connectionFailed("the server closed the connection")
        case EHOSTUNREACH: return .connectionFailed("no route to host")
        case ENETUNREACH: return .connectionFailed("network is unreachable")
        case ETIMEDOUT: return .timedOut
        default: return nil
        }
    }

    private static func shorten(_ text: String, redacting token: String) -> String {
        let text = text.redacting(token)
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }
}
