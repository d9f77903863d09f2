import ServiceLifecycle
import Systemd

/// Sends STOPPING=1 as soon as graceful shutdown begins. It is the last service of the group, so
/// the group tells it first; the other services then drain.
struct ShutdownNotifierService: Service {
    let notifier: any SystemdNotifier

    func run() async throws {
        try? await gracefulShutdown()
        notifier.stopping()
    }
}
