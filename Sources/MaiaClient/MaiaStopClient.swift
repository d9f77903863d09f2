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

    /// Sends one Stop request for `taskID` (a validated, lower-case task ID). With `freshToken`, the current token is
    /// invalidated first so that the provider fetches (or re-reads) a new one. Never throws: a missing token or a
    /// transport failure is ``StopAnswer/failed(reason:)`` with text safe to log.
    public func stop(taskID: String, freshToken: Bool = false) async -> StopAnswer {
        let token: String
        do {
            if freshToken, let current = try? await self.tokens.token() {
                await self.tokens.invalidate(current)
            }
            token = try await self.tokens.token()
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
        return .answered(
            status: response.status,
            retryAfter: response.header("Retry-After").flatMap(RetryAfter.parse),
            problem: ProblemDetail.decode(response.body)
        )
    }
}
