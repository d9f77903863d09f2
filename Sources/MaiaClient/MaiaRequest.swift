/// One HTTP request as the transport sees it: any method, any URL, an optional bearer token, headers and a body.
///
/// It knows no endpoint: ``MaiaAPIClient`` builds API requests from a ``MaiaEndpoint``, ``TokenRequest`` builds the
/// token endpoint's form POST. The transport adds `Authorization: Bearer …` (after checking the token can go into a
/// header) and `User-Agent`, and bounds the whole exchange by ``timeout``.
public struct MaiaRequest: Sendable {
    /// The HTTP methods the daemon uses.
    public enum Method: String, Sendable, Equatable {
        case GET
        case POST
    }

    /// Which server the request goes to. Only a 429 from the Maia API pauses the shared rate limiter: the token
    /// endpoint is another server with its own limit, and the token provider backs off on it by itself.
    public enum Destination: Sendable, Equatable {
        /// The Maia public API (`{base_url}/v1/…`).
        case api
        /// The OAuth token endpoint (`[auth] token_url`).
        case tokenEndpoint
    }

    /// The method.
    public var method: Method
    /// The full URL, already percent-encoded.
    public var url: String
    /// The bearer token, or `nil` for a request without one (the token request). Never log it.
    public var bearerToken: String?
    /// Headers besides `Authorization` and `User-Agent`, e.g. `Accept`.
    public var headers: [(name: String, value: String)]
    /// The body, or `nil` for none. An empty body is sent with `Content-Length: 0`.
    public var body: [UInt8]?
    /// The bound on the whole exchange (connect, send, response head and body).
    public var timeout: Duration
    /// Where the request goes.
    public var destination: Destination
    /// Values to scrub from any error text besides the bearer token (the client secret).
    public var secrets: [String]
    /// The queue the request waits in at the shared rate limit (``RateLimitedTransport``): ``RequestLane/stop`` for
    /// stops and token requests, the default.
    public var lane: RequestLane

    /// Creates a request.
    public init(
        method: Method,
        url: String,
        bearerToken: String? = nil,
        headers: [(name: String, value: String)] = [],
        body: [UInt8]? = nil,
        timeout: Duration,
        destination: Destination = .api,
        secrets: [String] = [],
        lane: RequestLane = .stop
    ) {
        self.method = method
        self.url = url
        self.bearerToken = bearerToken
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.destination = destination
        self.secrets = secrets
        self.lane = lane
    }

    /// Every value to scrub from error text: the bearer token and ``secrets``, without empty ones.
    var allSecrets: [String] {
        ([self.bearerToken].compactMap { $0 } + self.secrets).filter { !$0.isEmpty }
    }
}

extension MaiaRequest: CustomStringConvertible, CustomDebugStringConvertible {
    /// `METHOD URL`, without the token, the headers or the body: safe to log.
    public var description: String {
        "\(self.method.rawValue) \(self.url)"
    }

    /// The same as ``description``, so that `String(reflecting:)` never shows the token (`dump` uses a mirror and
    /// would: do not dump requests).
    public var debugDescription: String {
        self.description
    }
}
