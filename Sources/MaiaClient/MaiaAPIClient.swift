import Synchronization

/// The Maia public API: sends any ``MaiaEndpoint`` with the bearer token and returns its ``MaiaOutcome``.
///
/// Each ``send(_:freshToken:)`` is exactly one HTTP request (one attempt). It retries nothing: the caller's state
/// machine decides what a status means and when to try again, e.g. with `freshToken: true` after a 401.
///
/// A 401 is handled here and nowhere else in the client: it invalidates the very token that was refused (so the
/// provider fetches, or re-reads, a new one), remembers it, and reports the token as refused to
/// ``reportingTokenVerdicts(_:)``'s observer; with `freshToken` (the retry after a 401) a token known to have been
/// refused is never sent again. Invalidating the refused token rather than whatever is current means that a hundred
/// calls refused at once cause one token refresh, not a hundred. A 429 is the transport's
/// (``RateLimitedTransport``); its `Retry-After` reaches the caller in the outcome.
public struct MaiaAPIClient: Sendable {
    /// The API root without a trailing slash.
    public let baseURL: String
    /// The bound on each request.
    public let requestTimeout: Duration
    private let transport: any MaiaTransport
    private let tokens: any TokenProvider
    private let rejected = RejectedTokens()
    private var tokenVerdict: (@Sendable (_ accepted: Bool) -> Void)?

    /// Creates a client. A trailing `/` on `baseURL` is dropped.
    public init(baseURL: String, requestTimeout: Duration, transport: any MaiaTransport, tokens: any TokenProvider) {
        var baseURL = baseURL
        while baseURL.hasSuffix("/") {
            baseURL.removeLast()
        }
        self.baseURL = baseURL
        self.requestTimeout = requestTimeout
        self.transport = transport
        self.tokens = tokens
    }

    /// The same client, calling `report` after every answer: `false` when it was a 401 (the token was refused),
    /// `true` otherwise. Failures without an answer report nothing.
    public func reportingTokenVerdicts(_ report: @escaping @Sendable (_ accepted: Bool) -> Void) -> MaiaAPIClient {
        var copy = self
        copy.tokenVerdict = report
        return copy
    }

    /// Sends one request to `endpoint`. Never throws: a missing token, a transport failure or an undecodable 2xx
    /// body is ``MaiaOutcome/failed(reason:)`` with text safe to log.
    public func send<Success>(
        _ endpoint: MaiaEndpoint<Success>, freshToken: Bool = false
    ) async -> MaiaOutcome<Success> {
        let token: String
        do {
            var current = try await self.tokens.token()
            if freshToken, self.rejected.contains(current) {
                await self.tokens.invalidate(current)
                current = try await self.tokens.token()
            }
            token = current
        } catch {
            return .failed(reason: "no API token: \(error)")
        }
        let url: String
        switch endpoint.url(baseURL: self.baseURL) {
        case .success(let built):
            url = built
        case .failure(let error):
            return .failed(reason: error.description)
        }
        guard HTTPTransport.isHTTPURL(self.baseURL) else {
            return .failed(
                reason: MaiaTransportError.invalidRequest("the base URL \(self.baseURL) is not an http or https URL")
                    .description)
        }
        let request = MaiaRequest(
            method: endpoint.method,
            url: url,
            bearerToken: token,
            headers: [("Accept", endpoint.accept)],
            body: endpoint.sendsEmptyBody ? [] : nil,
            timeout: self.requestTimeout,
            lane: endpoint.lane
        )
        let response: MaiaResponse
        do {
            response = try await self.transport.send(request)
        } catch {
            return .failed(reason: error.description)
        }
        if response.status == 401 {
            self.rejected.insert(token)
            await self.tokens.invalidate(token)
        }
        self.tokenVerdict?(response.status != 401)
        guard response.isSuccess else {
            return .answered(status: response.status, retryAfter: response.retryAfter, problem: response.problem)
        }
        do {
            return .succeeded(status: response.status, try endpoint.decode(response.status, response.body))
        } catch {
            // Decoding errors name fields and types, never the body's values.
            return .failed(reason: "the Maia API answered HTTP \(response.status) with an unusable body: \(error)")
        }
    }

    /// Stops a task (``MaiaEndpoint/stop(taskID:)``): `taskID` is a validated, lower-case task ID.
    public func stop(taskID: String, freshToken: Bool = false) async -> MaiaOutcome<NoContent> {
        await self.send(.stop(taskID: taskID), freshToken: freshToken)
    }
}

/// The last few tokens Maia refused, so that a retry after a 401 never sends one of them again.
final class RejectedTokens: Sendable {
    private static let capacity = 8
    private let tokens = Mutex<[String]>([])

    func insert(_ token: String) {
        self.tokens.withLock { tokens in
            guard !tokens.contains(token) else { return }
            tokens.append(token)
            if tokens.count > Self.capacity { tokens.removeFirst() }
        }
    }

    func contains(_ token: String) -> Bool {
        self.tokens.withLock { $0.contains(token) }
    }
}
