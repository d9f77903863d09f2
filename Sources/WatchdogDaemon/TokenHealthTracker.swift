import Synchronization
import WatchdogCore
import WatchdogProtocol

/// The last known health of the Maia token, for `status` and STATUS=.
public final class TokenHealthTracker: Sendable {
    private let state: Mutex<DaemonStatus.TokenHealth>

    public init(_ initial: DaemonStatus.TokenHealth) {
        self.state = Mutex(initial)
    }

    public var value: DaemonStatus.TokenHealth { state.withLock { $0 } }

    public func set(_ health: DaemonStatus.TokenHealth) { state.withLock { $0 = health } }
}
