/// What the stand-in's OAuth token endpoint answers to a well-formed client-credentials request.
public enum TokenAnswer: Sendable, Equatable {
    /// `200` with `{access_token, expires_in, token_type: "Bearer"}`; the new token is accepted by the Stop endpoint
    /// from then on (until ``MaiaStandIn/revokeIssuedTokens()``).
    case issue(expiresIn: Int)
    /// Answer as a Stop request would be answered: e.g. `.status(503)`, `.dropConnection`, or a delayed answer.
    case fail(ScriptedAnswer)

    /// A token that lives 30 minutes, as Maia's do.
    public static let issue: TokenAnswer = .issue(expiresIn: 1800)
}

/// The client the token endpoint accepts, and the audience it insists on.
public struct TokenEndpointConfiguration: Sendable {
    /// The path of the endpoint on the stand-in's server, e.g. `/oauth/dpc/token`.
    public var path: String
    /// The accepted client ID.
    public var clientID: String
    /// The accepted client secret.
    public var clientSecret: String
    /// The `audience` a request must carry, or `nil` for any.
    public var audience: String?

    /// Creates a configuration.
    public init(
        path: String = "/oauth/dpc/token",
        clientID: String,
        clientSecret: String,
        audience: String? = "https://api.matillion.com"
    ) {
        self.path = path
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.audience = audience
    }
}
