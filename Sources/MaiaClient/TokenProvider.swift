/// Supplies the bearer token for Maia API calls.
///
/// Implementations cache: ``token()`` is called before every request. ``StaticTokenProvider`` reads a file; an OAuth
/// client-credentials provider is the other implementation.
public protocol TokenProvider: Sendable {
    /// The token to use now.
    func token() async throws(TokenError) -> String
    /// Reports that `token` was refused (a 401): the next ``token()`` must not return it from the cache. Does nothing
    /// when the cache already holds a different token, so two requests refused at once cause one refresh, not two.
    func invalidate(_ token: String) async
}
