import AsyncHTTPClient
import FoundationEssentials
import Glibc
import NIOCore
import NIOHTTP1

extension HTTPStopTransport: TokenTransport {
    /// Sends one token request over the shared client: `POST` with `Content-Type:
    /// application/x-www-form-urlencoded`, `Accept: application/json`, bounded by `request.timeout`.
    public func requestToken(_ request: TokenRequest) async throws(StopTransportError) -> StopResponse {
        guard let parsed = URL(string: request.url), let scheme = parsed.scheme?.lowercased(),
            scheme == "http" || scheme == "https", parsed.host != nil
        else {
            throw .invalidRequest("the token URL is not an http or https URL")
        }
        var httpRequest = HTTPClientRequest(url: request.url)
        httpRequest.method = .POST
        httpRequest.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        httpRequest.headers.add(name: "Accept", value: "application/json")
        httpRequest.headers.add(name: "User-Agent", value: self.userAgent)
        httpRequest.body = .bytes(ByteBuffer(string: request.encodedForm))
        do {
            return try await self.execute(httpRequest, timeout: request.timeout)
        } catch {
            var mapped = Self.map(error, redacting: request.secrets.first ?? "")
            for secret in request.secrets.dropFirst() where !secret.isEmpty {
                mapped = mapped.redacting(secret)
            }
            throw mapped
        }
    }
}

extension StopTransportError {
    /// The same error with `secret` scrubbed from its text.
    func redacting(_ secret: String) -> StopTransportError {
        guard !secret.isEmpty else { return self }
        func scrub(_ text: String) -> String { text.redacting(secret) }
        switch self {
        case .connectionFailed(let reason): return .connectionFailed(scrub(reason))
        case .invalidRequest(let reason): return .invalidRequest(scrub(reason))
        case .protocolError(let reason): return .protocolError(scrub(reason))
        case .timedOut, .cancelled: return self
        }
    }
}
