import Logging
import MaiaClient
import WatchdogCore

extension Daemon {
    /// The token source for the Maia API, from `$CREDENTIALS_DIRECTORY`. `nil` only in a dry run
    /// without credentials; outside a dry run, missing or unusable credentials fail the start
    /// with EX_CONFIG.
    static func loadTokens(
        policy: Policy, environment: [String: String], logger: Logger
    ) async throws(StartFailure) -> (any TokenProvider)? {
        guard let tokenFile = StaticTokenProvider.credentialsFile(named: "maia-token", environment: environment)
        else {
            if policy.dryRun { return nil }
            throw StartFailure(
                "no Maia credentials: set LoadCredential=maia-token (or point CREDENTIALS_DIRECTORY at a directory "
                    + "holding a maia-token file), or run with --dry-run",
                status: ExitStatus.config)
        }
        let provider = StaticTokenProvider(file: tokenFile)
        do {
            _ = try await provider.token()
            return provider
        } catch {
            if policy.dryRun {
                logger.warning("credential maia-token is unusable (\(error)); fine for a dry run")
                return nil
            }
            throw StartFailure("credential maia-token is unusable: \(error)", status: ExitStatus.config)
        }
    }
}
