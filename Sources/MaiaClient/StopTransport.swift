/// Sends one Stop request and returns the answer, whatever its status.
///
/// Shaped like swift-openapi-runtime's `ClientTransport`: it knows HTTP, not Maia's semantics. Every call is exactly
/// one HTTP request (one attempt); it never retries. ``HTTPStopTransport`` is the production implementation; tests of
/// the layers above use a double.
public protocol StopTransport: Sendable {
    /// Sends `request`. Any HTTP status is a response, not an error; only failing to get an answer within
    /// `request.timeout` throws.
    func send(_ request: StopRequest) async throws(StopTransportError) -> StopResponse
}
