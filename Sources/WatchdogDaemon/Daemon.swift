import FoundationEssentials
import Glibc
import Logging
import MaiaClient
import ServiceLifecycle
import Systemd
import UnixSignals
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
        let descriptors = DescriptorLimit.raiseToHard()
        if descriptors.after != descriptors.before {
            logger.info("raised the open-file limit from \(descriptors.before) to \(descriptors.after)")
        }
        var policy: Policy
        switch PolicyParser.load(path: options.policyPath) {
        case .success(let loaded):
            policy = loaded
        case .failure(let problems):
            for problem in problems.problems {
                logger.critical(
                    "\(problem.description)", metadata: ["event": .string(WatchdogEvent.policyRejected.rawValue)])
            }
            notifier.failed(status: "policy \(options.policyPath) is unusable; see the journal", errno: EINVAL)
            return ExitStatus.config
        }
        if options.dryRun { policy.dryRun = true }

        let metrics = DaemonMetrics()
        let credentials: Credentials?
        let store: any TaskStore
        do {
            credentials = try await loadCredentials(policy: policy, environment: options.environment, logger: logger)
            store = try await openStore(options: options, metrics: metrics, logger: logger)
        } catch {
            return failStart(error, notifier, logger)
        }

        let clock = SystemWallClock()
        let maia = makeMaia(credentials: credentials, policy: policy, clock: clock, metrics: metrics, logger: logger)
        let caller = maia.caller

        let enforcer = EnforcerService(
            configuration: .init(
                policyPath: options.policyPath, version: MaiaWatchdogVersion.current,
                testStallAfter: options.environment["MAIA_WATCHDOGD_TEST_STALL_AFTER_MS"].flatMap(Int.init).map {
                    .milliseconds($0)
                }),
            policy: policy, readsTasks: maia.readsTasks, clock: clock, caller: caller, store: store,
            random: SplitMix64(), logger: logger, metrics: metrics)
        let status = await run(
            options: options, policy: policy, enforcer: enforcer, store: store, notifier: notifier,
            maia: maia, logger: logger)
        await maia.shutdown()
        return status
    }

    private static func run(
        options: DaemonOptions,
        policy: Policy,
        enforcer: EnforcerService,
        store: any TaskStore,
        notifier: any SystemdNotifier,
        maia: MaiaWiring,
        logger: Logger
    ) async -> Int32 {
        do {
            try await enforcer.restore()
        } catch {
            return failStart(restoreFailure(error, options: options), notifier, logger)
        }
        let endpoint: MetricsEndpointService?
        let listener: ControlSocketListener
        do {
            // The endpoint first: a failure to bind it leaves no control socket behind.
            endpoint = try await bindMetrics(policy.metrics.listen, metrics: enforcer.metrics, logger: logger)
            listener = try await bindListener(options)
        } catch {
            return failStart(error, notifier, logger)
        }
        let descriptorLimit = DescriptorLimit.current
        let inUse = DescriptorLimit.inUse
        let limits = ConnectionLimits.standard(descriptorLimit: descriptorLimit, inUse: inUse, pooledFor: policy)
        logger.info(
            "control connections: at most \(limits.maximum), \(limits.perProcess) per process, closed after \(limits.idleTimeout) idle"
        )
        if limits.maximum * 2 < ConnectionLimits.standard(descriptorLimit: DescriptorLimit.current).maximum {
            logger.warning(
                "the open-file limit \(DescriptorLimit.current) leaves room for only \(limits.maximum) control connections; raise LimitNOFILE="
            )
        }
        let control = ControlSocketService(listener: listener, enforcer: enforcer, limits: limits, logger: logger)
        var services: [any Service] = [
            enforcer,
            control,
            PolicyReloadService(
                path: options.policyPath, forceDryRun: options.dryRun, enforcer: enforcer, notifier: notifier,
                logger: logger,
                reloadClient: reloadOutsideEnforcer(
                    maia: maia, control: control, descriptorLimit: descriptorLimit, inUse: inUse)),
            StatusService(board: enforcer.statusBoard, notifier: notifier),
        ]
        let ready = WakeSignal()
        if let interval = SystemdWatchdog.interval() {
            services.append(
                WatchdogService(
                    interval: interval, ready: ready, enforcer: enforcer, socketPath: listener.path, notifier: notifier,
                    logger: logger))
        }
        services.append(contentsOf: maia.services)
        if let endpoint { services.append(endpoint) }
        // Last, so that graceful shutdown reaches it first: STOPPING=1 before anything drains.
        let mode = policy.dryRun ? " (dry run: no stop calls are made)" : ", stopping via \(policy.api.baseURL)"
        let socketPath = listener.path ?? options.socketPath
        services.append(
            LifecycleNotifierService(
                notifier: notifier, status: { enforcer.statusBoard.text },
                onReady: {
                    logger.notice(
                        "maia-watchdogd \(MaiaWatchdogVersion.current) ready on \(socketPath)\(mode)",
                        metadata: ["event": .string(WatchdogEvent.started.rawValue)])
                }, ready: ready))
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        do {
            try await group.run()
        } catch {
            logger.error("stopped on an error: \(error)")
            await store.close()
            return ExitStatus.failure
        }
        // Every service has stopped: the last writes are committed, and closing the store folds its
        // write-ahead log into the file (the next start then has no log to read).
        await store.close()
        logger.notice("maia-watchdogd stopped", metadata: ["event": .string(WatchdogEvent.stopping.rawValue)])
        return ExitStatus.success
    }

    /// What a reload applies before the enforcer gets the new policy: the Maia client's keys (``MaiaWiring/reload``:
    /// the connection pool, the token backoff), then the control connections' limits, whose descriptor reserve is
    /// that pool's new size. `descriptorLimit` and `inUse` are as counted at start (Maia's pool had not opened a
    /// connection then: its descriptors are the reserve, never part of `inUse`).
    static func reloadOutsideEnforcer(
        maia: MaiaWiring, control: ControlSocketService, descriptorLimit: Int, inUse: Int
    ) -> @Sendable (Policy) async -> Void {
        { policy in
            await maia.reload(policy)
            control.setLimits(.standard(descriptorLimit: descriptorLimit, inUse: inUse, pooledFor: policy))
        }
    }

    /// The `/metrics` endpoint of `[metrics] listen`, if it is on. An address other than loopback is warned about.
    private static func bindMetrics(
        _ listen: Policy.MetricsListen, metrics: DaemonMetrics, logger: Logger
    ) async throws(StartFailure) -> MetricsEndpointService? {
        guard listen != .off else { return nil }
        if !listen.isLocal {
            logger.warning(
                "[metrics] listen = \"\(listen)\" is not a loopback address: anyone who can reach it can read the metrics"
            )
        }
        return try await MetricsEndpointService.bind(listen, metrics: metrics, logger: logger)
    }

    /// The socket passed by systemd (`LISTEN_FDS`), else `--socket`.
    private static func bindListener(_ options: DaemonOptions) async throws(StartFailure) -> ControlSocketListener {
        do {
            switch ListenedSockets.controlSocket() {
            case .unixStream(let descriptor):
                return try await ControlSocketListener.adopt(descriptor: descriptor)
            case .unusable(let reason):
                throw StartFailure(reason, status: ExitStatus.failure, errno: EBADF)
            case .none:
                return try await ControlSocketListener.bind(path: options.socketPath)
            }
        } catch let failure as StartFailure {
            throw failure
        } catch let error as ControlSocketListener.BindError {
            throw StartFailure("\(error)", status: ExitStatus.failure, errno: error.errno)
        } catch {
            throw StartFailure("cannot listen: \(error)", status: ExitStatus.failure, errno: EIO)
        }
    }

    private static func failStart(
        _ failure: StartFailure, _ notifier: any SystemdNotifier, _ logger: Logger
    ) -> Int32 {
        logger.critical("cannot start: \(failure.message)")
        notifier.failed(status: "cannot start: \(failure.message)", errno: failure.errno)
        return failure.status
    }

    /// One line on stderr (a plain `write(2)`: `FileHandle` is full Foundation, which would link ICU).
    public static func printError(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress! + written, $0.count - written) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }
            written += count
        }
    }
}
