/// Sends one HTTP request and returns the answer, whatever its status.
///
/// Shaped like swift-openapi-runtime's `ClientTransport`: it knows HTTP, not Maia's endpoints or semantics. Every call
/// is exactly one HTTP request (one attempt); it never retries. ``HTTPTransport`` is the production implementation;
/// ``RateLimitedTransport`` puts the shared rate limit in front of another transport.
public protocol MaiaTransport: Sendable {
    /// Sends `request`. Any HTTP status is a response, not an error; only failing to get an answer within
    /// `request.timeout` throws. Error texts never contain the request's token or secrets.
    func send(_ request: MaiaRequest) async throws(MaiaTransportError) -> MaiaResponse
}
