import Synchronization

/// Asks Maia to stop a task: `POST {baseURL}/v1/ai/agents/tasks/{taskId}/stop`.
///
/// Each ``stop(taskID:freshToken:)`` is exactly one HTTP request (one attempt). It classifies nothing and retries
/// nothing: the caller's state machine decides what a status means (see "HTTP outcomes" in the interface) and when
/// to try again, e.g. with `freshToken: true` after a 401.
public struct MaiaStopClient: Sendable {
    /// The API root without a trailing slash.
    public let baseURL: String
    /// The bound on each request.
    public let requestTimeout: Duration
    private let transport: any StopTransport
    private let tokens: any TokenProvider
    private let rejected = RejectedTokens()

    /// Creates a client. A trailing `/` on `baseURL` is dropped.
    public init(baseURL: String, requestTimeout: Duration, transport: any StopTransport, tokens: any TokenProvider) {
        var baseURL = baseURL
        while baseURL.hasSuffix("/") {
            baseURL.removeLast()
        }
        self.baseURL = baseURL
        self.requestTimeout = requestTimeout
        self.transport = transport
        self.tokens = tokens
    }

    /// Sends one Stop request for `taskID` (a validated, lower-case task ID). Never throws: a missing token or a
    /// transport failure is ``StopAnswer/failed(reason:)`` with text safe to log.
    ///
    /// A 401 invalidates the very token that was refused (so the provider fetches, or re-reads, a new one) and
    /// remembers it; with `freshToken` (the retry after a 401) a token that is known to have been refused is never
    /// sent again. Invalidating the refused token rather than whatever is current means that a hundred stops refused
    /// at once cause one token refresh, not a hundred.
    public func stop(taskID: String, freshToken: Bool = false) async -> StopAnswer {
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
        let request = StopRequest(
            baseURL: self.baseURL,
            taskID: taskID,
            bearerToken: token,
            timeout: self.requestTimeout
        )
        let response: StopResponse
        do {
            response = try await self.transport.send(request)
        } catch {
            return .failed(reason: error.description)
        }
        if response.status == 401 {
            self.rejected.insert(token)
            await self.tokens.invalidate(token)
        }
        return .answered(
            status: response.status,
            retryAfter: response.header("Retry-After").flatMap(RetryAfter.parse),
            problem: ProblemDetail.decode(response.body)
        )
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
