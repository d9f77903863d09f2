import ServiceLifecycle
import Systemd

/// Sends STATUS= when the board changed, at most about once a second.
struct StatusService: Service {
    let board: StatusBoard
    let notifier: any SystemdNotifier

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await board.changed.wait()
                let (text, changed) = board.take()
                if changed { notifier.status(text) }
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}
