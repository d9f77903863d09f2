/// One OAuth 2.0 token request as the transport sees it: a form POST to the token endpoint.
public struct TokenRequest: Sendable {
    /// The token endpoint, e.g. `https://id.core.matillion.com/oauth/dpc/token`.
    public var url: String
    /// The form fields in order; they include the client secret. Never log them.
    public var form: [(name: String, value: String)]
    /// The bound on the whole exchange.
    public var timeout: Duration
    /// Values to scrub from any error text (the client secret).
    public var secrets: [String]

    /// Creates a request.
    public init(url: String, form: [(name: String, value: String)], timeout: Duration, secrets: [String]) {
        self.url = url
        self.form = form
        self.timeout = timeout
        self.secrets = secrets
    }

    /// The request as the transport sends it: `POST` with `Content-Type: application/x-www-form-urlencoded`,
    /// `Accept: application/json`, no bearer token, to the token endpoint (a 429 from it does not pause the API's
    /// rate limiter).
    public var transportRequest: MaiaRequest {
        MaiaRequest(
            method: .POST,
            url: self.url,
            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
            body: Array(self.encodedForm.utf8),
            timeout: self.timeout,
            destination: .tokenEndpoint,
            secrets: self.secrets
        )
    }

    /// The form as `application/x-www-form-urlencoded` text.
    public var encodedForm: String {
        var allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~".utf8)
        allowed.reserveCapacity(66)
        func encode(_ text: String) -> String {
            var out = ""
            for byte in text.utf8 {
                if allowed.contains(byte) {
                    out.unicodeScalars.append(Unicode.Scalar(byte))
                } else {
                    let hex = String(byte, radix: 16, uppercase: true)
                    out += "%" + (hex.count == 1 ? "0" + hex : hex)
                }
            }
            return out
        }
        return self.form.map { encode($0.name) + "=" + encode($0.value) }.joined(separator: "&")
    }
}

extension TokenRequest: CustomStringConvertible, CustomDebugStringConvertible {
    /// The request without its form, safe to log.
    public var description: String { "POST \(self.url)" }

    /// The same as ``description``: `String(reflecting:)` never shows the secret.
    public var debugDescription: String { self.description }
}
