/// Sends one token request (a form POST) and returns the answer, whatever its status.
///
/// ``HTTPStopTransport`` implements it over the same `HTTPClient` as stop calls; ``RateLimitedTransport`` puts the
/// shared rate limit in front of it. Every call is exactly one HTTP request; it never retries.
public protocol TokenTransport: Sendable {
    /// Sends `request`. Any HTTP status is a response; only failing to get an answer within `request.timeout`
    /// throws. Error texts never contain the secrets.
    func requestToken(_ request: TokenRequest) async throws(StopTransportError) -> StopResponse
}
