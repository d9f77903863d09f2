import ServiceLifecycle
import Systemd

/// Sends READY=1 once the service group runs (its signal handlers are installed by then, so a
/// SIGTERM right after READY is a graceful shutdown, not the default "terminate"), and STOPPING=1
/// as soon as graceful shutdown begins. It is the last service of the group, so the group tells it
/// first; the other services then drain.
struct LifecycleNotifierService: Service {
    let notifier: any SystemdNotifier
    /// The STATUS= sent with READY=1.
    let status: @Sendable () -> String
    /// Called just before READY=1 (the "ready" log line).
    let onReady: @Sendable () -> Void
    /// Closed once READY=1 is sent: the watchdog pings only after it.
    let ready: WakeSignal

    func run() async throws {
        onReady()
        notifier.ready(status: status())
        ready.close()
        try? await gracefulShutdown()
        notifier.stopping()
    }
}
