import FoundationEssentials
import Glibc
import Logging
import ServiceLifecycle
import Systemd
import UnixSignals
import WatchdogCore

/// Reloads the policy on SIGHUP (`systemctl reload`): RELOADING=1 with MONOTONIC_USEC=, then a
/// valid policy is swapped in whole, or an invalid one is refused and the old one kept; READY=1
/// either way, with a STATUS= that says which.
public struct PolicyReloadService: Service {
    let path: String
    let forceDryRun: Bool
    let enforcer: EnforcerService
    let notifier: any SystemdNotifier
    let logger: Logger
    /// Hands the accepted policy to the Maia client (connection pool, token backoff) before the enforcer gets it.
    let reloadClient: @Sendable (Policy) async -> Void

    public init(
        path: String, forceDryRun: Bool, enforcer: EnforcerService, notifier: any SystemdNotifier, logger: Logger,
        reloadClient: @escaping @Sendable (Policy) async -> Void = { _ in }
    ) {
        self.path = path
        self.forceDryRun = forceDryRun
        self.enforcer = enforcer
        self.notifier = notifier
        self.logger = logger
        self.reloadClient = reloadClient
    }

    public func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            await reload()
        }
    }

    /// One reload; also called directly by tests.
    public func reload() async {
        notifier.reloading(monotonicMicroseconds: MonotonicTime.microseconds())
        let current = await enforcer.policy
        switch PolicyParser.load(path: path) {
        case .success(var policy):
            if forceDryRun { policy.dryRun = true }
            if current.dryRun && !policy.dryRun {
                refuse([
                    "\(path): dry_run cannot be turned off by a reload (credentials are loaded at start); restart the service"
                ])
                return
            }
            if policy.api.baseURL != current.api.baseURL || policy.api.requestTimeout != current.api.requestTimeout
                || policy.api.maxRequestsPerMinute != current.api.maxRequestsPerMinute || policy.auth != current.auth
            {
                logger.warning(
                    "[api] base_url/request_timeout/max_requests_per_minute and [auth] changes take effect at the next restart",
                    metadata: ["event": .string(WatchdogEvent.policyLoaded.rawValue)])
                policy.api.baseURL = current.api.baseURL
                policy.api.requestTimeout = current.api.requestTimeout
                policy.api.maxRequestsPerMinute = current.api.maxRequestsPerMinute
                policy.auth = current.auth
            }
            await reloadClient(policy)
            await enforcer.apply(policy)
            logger.notice(
                "policy reloaded from \(path)", metadata: ["event": .string(WatchdogEvent.policyLoaded.rawValue)])
            notifier.ready(status: "policy reloaded; " + StatusLine.text(counts: await enforcer.counts()))
        case .failure(let problems):
            refuse(problems.problems.map(\.description))
        }
    }

    private func refuse(_ problems: [String]) {
        for problem in problems {
            logger.error(
                "policy refused: \(problem)", metadata: ["event": .string(WatchdogEvent.policyRejected.rawValue)])
        }
        notifier.ready(
            status: "new policy refused (\(problems.count) problem\(problems.count == 1 ? "" : "s")); "
                + "keeping the previous policy; see the journal")
    }
}
