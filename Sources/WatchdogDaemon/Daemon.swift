import Foundation
import Glibc
import Logging
import MaiaClient
import ServiceLifecycle
import WatchdogCore

/// Assembles and runs the daemon: policy → credentials → state → socket → READY → services.
public enum Daemon {
    /// The contract's exit statuses.
    public enum ExitStatus {
        public static let success: Int32 = 0
        public static let failure: Int32 = 1
        /// EX_CONFIG: the policy or the credentials are unusable.
        public static let config: Int32 = 78
    }

    /// `maia-watchdogd --check`: prints every problem on stderr, or the summary on stdout.
    public static func check(policyPath: String) -> Int32 {
        switch PolicyParser.load(path: policyPath) {
        case .success(let policy):
            print(policy.summary(path: policyPath))
            return ExitStatus.success
        case .failure(let problems):
            for problem in problems.problems { Self.printError(problem.description) }
            return ExitStatus.config
        }
    }

    /// Runs until SIGTERM/SIGINT; returns the exit status.
    public static func run(
        _ options: DaemonOptions,
        notifier: any SystemdNotifier = NoSystemdNotifier(),
        logger: Logger
    ) async -> Int32 {
        var policy: Policy
        switch PolicyParser.load(path: options.policyPath) {
        case .success(let loaded):
            policy = loaded
        case .failure(let problems):
            for problem in problems.problems {
                logger.critical(
                    "\(problem.description)", metadata: ["event": .string(LogEvent.policyRejected.rawValue)])
            }
            notifier.failed(status: "policy \(options.policyPath) is unusable; see the journal", errno: nil)
            return ExitStatus.config
        }
        if options.dryRun { policy.dryRun = true }

        let tokens: (any TokenProvider)?
        let store: any TaskStore
        do {
            tokens = try await loadTokens(policy: policy, environment: options.environment, logger: logger)
            store = try await openStore(options: options, logger: logger)
        } catch {
            return failStart(error, notifier, logger)
        }

        let clock = SystemWallClock()
        let health = TokenHealthTracker(tokens == nil ? .missing : .ok)
        var transport: HTTPStopTransport?
        let caller: any StopCaller
        if let tokens, !policy.dryRun {
            let http = HTTPStopTransport(version: MaiaWatchdogVersion.current, logger: logger)
            transport = http
            caller = MaiaStopCaller(
                client: MaiaStopClient(
                    baseURL: policy.api.baseURL, requestTimeout: policy.api.requestTimeout, transport: http,
                    tokens: tokens),
                clock: clock, health: health)
        } else {
            caller = DryRunStopCaller(hasToken: tokens != nil)
        }

        let enforcer = EnforcerService(
            configuration: .init(policyPath: options.policyPath, version: MaiaWatchdogVersion.current),
            policy: policy, clock: clock, caller: caller, store: store, random: SplitMix64(), logger: logger)
        let status = await run(
            options: options, policy: policy, enforcer: enforcer, store: store, notifier: notifier, logger: logger)
        try? await transport?.shutdown()
        return status
    }

    private static func run(
        options: DaemonOptions,
        policy: Policy,
        enforcer: EnforcerService,
        store: any TaskStore,
        notifier: any SystemdNotifier,
        logger: Logger
    ) async -> Int32 {
        do {
            try await enforcer.restore()
        } catch {
            return failStart(restoreFailure(error, options: options), notifier, logger)
        }
        let listener: ControlSocketListener
        do {
            listener = try await bindListener(options)
        } catch {
            return failStart(StartFailure("\(error)", status: ExitStatus.failure), notifier, logger)
        }
        await enforcer.setOnChange { counts in notifier.status(StatusLine.text(counts: counts)) }
        let services: [any Service] = [
            enforcer,
            ControlSocketService(listener: listener, enforcer: enforcer, logger: logger),
            PolicyReloadService(
                path: options.policyPath, forceDryRun: options.dryRun, enforcer: enforcer, notifier: notifier,
                logger: logger),
            ShutdownNotifierService(notifier: notifier),
        ]
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        let mode = policy.dryRun ? " (dry run: no stop calls are made)" : ", stopping via \(policy.api.baseURL)"
        logger.notice(
            "maia-watchdogd \(MaiaWatchdogVersion.current) ready on \(options.socketPath)\(mode)",
            metadata: ["event": .string(LogEvent.started.rawValue)])
        notifier.ready(status: StatusLine.text(counts: await enforcer.counts()))
        do {
            try await group.run()
        } catch {
            logger.error("stopped on an error: \(error)")
            return ExitStatus.failure
        }
        logger.notice("maia-watchdogd stopped", metadata: ["event": .string(LogEvent.stopping.rawValue)])
        return ExitStatus.success
    }

    /// The socket passed by systemd (`LISTEN_FDS`, fd 3), else `--socket`.
    private static func bindListener(_ options: DaemonOptions) async throws -> ControlSocketListener {
        let environment = options.environment
        if let pid = environment["LISTEN_PID"].flatMap(Int32.init), pid == getpid(),
            let count = environment["LISTEN_FDS"].flatMap(Int.init), count >= 1
        {
            return try await ControlSocketListener.adopt(descriptor: 3)
        }
        return try await ControlSocketListener.bind(path: options.socketPath)
    }

    private static func failStart(
        _ failure: StartFailure, _ notifier: any SystemdNotifier, _ logger: Logger
    ) -> Int32 {
        logger.critical("cannot start: \(failure.message)")
        notifier.failed(status: "cannot start: \(failure.message)", errno: failure.errno)
        return failure.status
    }

    static func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
