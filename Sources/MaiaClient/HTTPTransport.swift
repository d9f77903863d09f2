import AsyncHTTPClient
import FoundationEssentials
import Glibc
import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import WatchdogCore

/// The production ``MaiaTransport``: AsyncHTTPClient `HTTPClient`s on the process-wide event loop group singleton,
/// with a keep-alive connection pool, so consecutive requests reuse a TLS connection.
///
/// Each ``send(_:)`` is one request as given, with `Authorization: Bearer …` when the request carries a token and
/// `User-Agent: maia-watchdog/<version>`, bounded as a whole (connect, send, response head and body) by
/// `request.timeout`, measured on the transport's clock (the system clock in production; a test's manual clock
/// makes a timeout fire exactly when the test moves it, not when a loaded machine gets round to it). Redirects are
/// not followed (a redirected POST would carry the token to another place), and a failed connection attempt is not
/// retried inside the pool: each call is exactly one attempt and the caller decides what happens next. Call
/// ``shutdown()`` before the process exits.
///
/// **The pool follows the policy.** AsyncHTTPClient 1.37 fixes `concurrentHTTP1ConnectionsPerHostSoftLimit` when the
/// `HTTPClient` is created (its `HTTPConnectionPool` state machine copies it, and the configuration cannot change
/// afterwards); a request that finds every allowed connection busy waits in the pool's queue, where its time counts
/// against its timeout. The limit is "soft" only in that requests pinned to an event loop may open overflow
/// connections, which this transport never asks for. The validator puts no upper bound on `max_in_flight` that a
/// pool could be sized by once (and a pool sized for the largest possible value would be no limit at all), so
/// ``setMaxConnections(_:)`` builds a new `HTTPClient` with the new limit instead: requests from then on use it,
/// requests already under way finish on the old one, which is shut down once the last of them has returned.
public final class HTTPTransport: MaiaTransport {
    /// One `HTTPClient` and the requests under way on it.
    private final class Pool: Sendable {
        let client: HTTPClient
        let maxConnections: Int

        init(_ client: HTTPClient, maxConnections: Int) {
            self.client = client
            self.maxConnections = maxConnections
        }
    }

    private struct State {
        var current: Pool
        /// Requests under way, per pool (by identity).
        var inFlight: [ObjectIdentifier: Int] = [:]
        /// Pools replaced by a resize that still have requests under way.
        var retired: [ObjectIdentifier: Pool] = [:]
        var isShutDown = false
    }

    private let state: Mutex<State>
    let userAgent: String
    private let logger: Logger?
    /// What each request's timeout is measured on.
    private let clock: any WallClock

    /// Creates the transport. `version` goes into the `User-Agent` header; `logger`, when given, receives
    /// AsyncHTTPClient's own (debug and trace level) logs, which never include request headers.
    /// `maxConnections` caps the pooled HTTP/1.1 connections per host (AsyncHTTPClient's default is 8). Request
    /// timeouts run on `clock`.
    public init(
        version: String, maxConnections: Int = 8, logger: Logger? = nil, clock: any WallClock = SystemWallClock()
    ) {
        self.userAgent = "maia-watchdog/\(version)"
        self.logger = logger
        self.clock = clock
        let limit = max(1, maxConnections)
        self.state = Mutex(
            State(current: Pool(Self.makeClient(maxConnections: limit, logger: logger), maxConnections: limit)))
    }

    private static func makeClient(maxConnections: Int, logger: Logger?) -> HTTPClient {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10)),
            decompression: .disabled
        )
        configuration.connectionPool = .init(idleTimeout: .seconds(60))
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = maxConnections
        configuration.connectionPool.retryConnectionEstablishment = false
        if let logger {
            return HTTPClient(
                eventLoopGroup: HTTPClient.defaultEventLoopGroup,
                configuration: configuration,
                backgroundActivityLogger: logger
            )
        }
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// The current cap on pooled connections per host.
    public var maxConnections: Int {
        self.state.withLock { $0.current.maxConnections }
    }

    /// Makes `maxConnections` the cap for requests sent from now on (a reload that changed `max_in_flight`). Does
    /// nothing when it is the cap already or after ``shutdown()``.
    public func setMaxConnections(_ maxConnections: Int) async {
        let limit = max(1, maxConnections)
        let replaced: Pool? = self.state.withLock { state in
            guard !state.isShutDown, state.current.maxConnections != limit else { return nil }
            let old = state.current
            state.current = Pool(Self.makeClient(maxConnections: limit, logger: self.logger), maxConnections: limit)
            if state.inFlight[ObjectIdentifier(old), default: 0] > 0 {
                state.retired[ObjectIdentifier(old)] = old
                return nil
            }
            return old
        }
        try? await replaced?.client.shutdown()
    }

    /// Shuts every HTTP client down, closing pooled connections. Requests in flight fail with
    /// ``MaiaTransportError/cancelled``.
    public func shutdown() async throws {
        let pools = self.state.withLock { state in
            state.isShutDown = true
            let pools = [state.current] + Array(state.retired.values)
            state.retired = [:]
            return pools
        }
        for pool in pools {
            try await pool.client.shutdown()
        }
    }

    /// Sends one request; see ``MaiaTransport/send(_:)``.
    public func send(_ request: MaiaRequest) async throws(MaiaTransportError) -> MaiaResponse {
        let httpRequest = try self.makeRequest(request)
        let pool = self.state.withLock { state in
            state.inFlight[ObjectIdentifier(state.current), default: 0] += 1
            return state.current
        }
        let result: Result<MaiaResponse, MaiaTransportError>
        do {
            result = .success(try await self.execute(httpRequest, on: pool.client, timeout: request.timeout))
        } catch {
            result = .failure(Self.map(error, redacting: request.allSecrets))
        }
        let finished: Pool? = self.state.withLock { state in
            let key = ObjectIdentifier(pool)
            let left = state.inFlight[key, default: 1] - 1
            state.inFlight[key] = left > 0 ? left : nil
            guard left == 0 else { return nil }
            return state.retired.removeValue(forKey: key)
        }
        // The last request on a pool that a resize replaced: close its connections.
        try? await finished?.client.shutdown()
        return try result.get()
    }

    private func makeRequest(_ request: MaiaRequest) throws(MaiaTransportError) -> HTTPClientRequest {
        guard Self.isHTTPURL(request.url) else {
            switch request.destination {
            case .api:
                throw .invalidRequest("the URL \(request.url) is not an http or https URL")
            case .tokenEndpoint:
                throw .invalidRequest("the token URL is not an http or https URL")
            }
        }
        var httpRequest = HTTPClientRequest(url: request.url)
        httpRequest.method = request.method == .GET ? .GET : .POST
        if let token = request.bearerToken {
            // A token with a line break would split the header; AsyncHTTPClient would reject it with an error that
            // quotes the header value, so check here and say nothing about the value.
            guard !token.isEmpty, token.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
                throw .invalidRequest("the API token is empty or contains spaces or control characters")
            }
            httpRequest.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        for header in request.headers {
            httpRequest.headers.add(name: header.name, value: header.value)
        }
        httpRequest.headers.add(name: "User-Agent", value: self.userAgent)
        if let body = request.body {
            // An explicit empty body gives `Content-Length: 0`, which some proxies insist on for a POST.
            httpRequest.body = .bytes(ByteBuffer(bytes: body))
        }
        return httpRequest
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

    /// Runs the exchange under one bound, a child task sleeping on the transport's clock until the timeout: when it
    /// wins, the exchange is cancelled (AsyncHTTPClient then gives up the request, queued or sent, and closes its
    /// connection). AsyncHTTPClient's own deadline is not used: it would cover only the response head, and it would be
    /// a second timer, on the event loop's time, that no test clock can move.
    private func execute(
        _ request: HTTPClientRequest, on client: HTTPClient, timeout: Duration
    ) async throws -> MaiaResponse {
        let clock = self.clock
        let deadline = clock.now().adding(timeout)
        return try await withThrowingTaskGroup(of: MaiaResponse.self) { group in
            group.addTask {
                let response = try await client.execute(request, deadline: .distantFuture, logger: self.logger)
                var body: [UInt8] = []
                for try await chunk in response.body {
                    let room = MaiaResponse.maximumBodySize - body.count
                    if room > 0 {
                        body += chunk.readableBytesView.prefix(room)
                    }
                }
                return MaiaResponse(
                    status: Int(response.status.code),
                    headers: response.headers.map { (name: $0.name, value: $0.value) },
                    body: body
                )
            }
            group.addTask {
                try await clock.sleep(until: deadline)
                throw MaiaTransportError.timedOut
            }
            defer { group.cancelAll() }
            guard let response = try await group.next() else {
                throw MaiaTransportError.timedOut
            }
            return response
        }
    }

    /// Maps AsyncHTTPClient and NIO errors to short reasons. The token is scrubbed from any text taken from an error
    /// description, as a last line of defence.
    static func map(_ error: any Error, redacting secrets: [String]) -> MaiaTransportError {
        var mapped = Self.map(error, shortening: { Self.shorten($0, redacting: secrets) })
        // Texts that did not pass through `shorten` (AsyncHTTPClient's own descriptions) are scrubbed here.
        for secret in secrets {
            mapped = mapped.redacting(secret)
        }
        return mapped
    }

    /// Maps AsyncHTTPClient and NIO errors to short reasons, before redaction.
    private static func map(
        _ error: any Error, shortening shorten: (String) -> String
    ) -> MaiaTransportError {
        if let error = error as? MaiaTransportError {
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
            return Self.fromErrno(error.errnoCode) ?? .connectionFailed(shorten("\(error)"))
        }
        // NIOPosix's NIOConnectionError (refused, DNS failures) is not reachable from this module's imports; its text
        // names the cause.
        let text = String(describing: error)
        for (needle, reason) in Self.knownReasons where text.contains(needle) {
            return .connectionFailed(reason)
        }
        return .connectionFailed(shorten(text))
    }

    private static let knownReasons: [(String, String)] = [
        ("DNS error", "the host name could not be resolved"),
        ("Connection refused", "connection refused"),
        ("Connection reset", "connection reset by peer"),
        ("No route to host", "no route to host"),
        ("Network is unreachable", "network is unreachable"),
        ("Connection timed out", "connection timed out"),
    ]

    private static func fromErrno(_ code: CInt) -> MaiaTransportError? {
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

    /// The text without any of `secrets`, cut at 200 characters (redacted first, so that a cut cannot leave part of
    /// a secret behind).
    private static func shorten(_ text: String, redacting secrets: [String]) -> String {
        var text = text
        for secret in secrets {
            text = text.redacting(secret)
        }
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }
}
