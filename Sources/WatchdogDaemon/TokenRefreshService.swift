import MaiaClient
import ServiceLifecycle

/// Keeps the OAuth token fresh in the background: fetches one at start, refreshes at 80 % of each token's life, and
/// keeps trying with backoff while the token endpoint fails. The daemon is READY whether or not the endpoint
/// answers; trouble shows as `api.token: failing` in `status` and in the log.
struct TokenRefreshService: Service {
    let provider: ClientCredentialsTokenProvider

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await provider.maintain()
        }
    }
}
