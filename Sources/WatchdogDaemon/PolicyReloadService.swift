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
            let forbidden = PolicySchema.forbiddenChanges(from: current, to: policy)
            guard forbidden.isEmpty else {
                // Today only dry_run: credentials are loaded at start.
                refuse(
                    forbidden.map {
                        "\(path): \($0) cannot be turned off by a reload (credentials are loaded at start); restart the service"
                    })
                return
            }
            let waiting = PolicySchema.keepRestartOnly(from: current, in: &policy)
            if !waiting.isEmpty {
                logger.warning(
                    "changes to \(waiting.joined(separator: ", ")) take effect at the next restart",
                    metadata: ["event": .string(WatchdogEvent.policyLoaded.rawValue)])
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
