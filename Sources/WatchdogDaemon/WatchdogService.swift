import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Systemd

/// Sends WATCHDOG=1 every half `WatchdogSec=`, but only while the daemon's loops are healthy:
/// the enforcer's loop must answer a heartbeat, and the control socket must answer a `status`
/// request made over a real connection (which also passes through the enforcer). If either
/// stalls, pings stop and systemd restarts the service. The first ping follows READY=1 (`ready` is closed by
/// `LifecycleNotifierService` once it is sent): the two services start together, and a quick first check must not
/// tell systemd the service is alive before it has said it is ready.
struct WatchdogService: Service {
    let interval: Duration
    let ready: WakeSignal
    let enforcer: EnforcerService
    let socketPath: String?
    let notifier: any SystemdNotifier
    let logger: Logger

    func run() async throws {
        // Ends quietly when shutdown cancels it.
        await cancelWhenGracefulShutdown { await loop() }
    }

    private func loop() async {
        let period = interval / 2
        var unhealthyReported = false
        await ready.wait()
        while !Task.isCancelled {
            let healthy = await check(within: period / 2)
            if healthy {
                notifier.watchdog()
                unhealthyReported = false
            } else if !unhealthyReported {
                logger.error(
                    "a loop stopped answering; not pinging the systemd watchdog",
                    metadata: ["event": .string(WatchdogEvent.watchdog.rawValue)])
                unhealthyReported = true
            }
            try? await Task.sleep(for: period)
        }
    }

    /// Both probes, each bounded.
    private func check(within bound: Duration) async -> Bool {
        let enforcer = self.enforcer
        let socketPath = self.socketPath
        async let beat = Self.bounded(bound) { await enforcer.heartbeat() }
        async let probe = Self.bounded(bound) {
            guard let socketPath else { return }
            try await ControlProbe.status(socketPath)
        }
        let enforcerHealthy = await beat
        let socketHealthy = await probe
        return enforcerHealthy && socketHealthy
    }

    /// Whether `operation` finished without error within `bound`.
    static func bounded(
        _ bound: Duration, _ operation: @escaping @Sendable () async throws -> Void
    ) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await operation()) != nil }
            group.addTask {
                try? await Task.sleep(for: bound)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}

/// One `status` request over the control socket, as a client would make it.
enum ControlProbe {
    static func status(_ path: String) async throws {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(unixDomainSocketPath: path) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(ControlLineDecoder()))
                    return try NIOAsyncChannel<[ControlLine], ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: "status\n"))
            var iterator = inbound.makeAsyncIterator()
            guard case .line? = try await iterator.next()?.first else { throw ProbeError.noAnswer }
        }
    }

    enum ProbeError: Error { case noAnswer }
}
