import Synchronization
import Systemd
import WatchdogDaemon

/// Records what would be sent to systemd.
final class RecordingNotifier: SystemdNotifier {
    private let sent = Mutex<[[String]]>([])

    var messages: [[String]] { sent.withLock { $0 } }

    func send(_ assignments: [String]) { sent.withLock { $0.append(assignments) } }
}
