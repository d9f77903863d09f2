import FoundationEssentials
import Glibc
import Synchronization
import WatchdogCore
import WatchdogProtocol

/// What STATUS= says: counts per state and the last stop answer, e.g.
/// `watching 12, stopping 1, last stop 09:14:03 → 204`. Updates are cheap and coalesced; the
/// `StatusService` sends at most about one STATUS= a second.
public final class StatusBoard: Sendable {
    private struct State {
        var counts: [TaskState: Int] = [:]
        var breakerOpen = false
        var discoveryFailing = false
        var lastStop: String?
        var dirty = false
    }

    private let state = Mutex(State())
    let changed = WakeSignal()

    public init() {}

    /// The counts at start (sent with READY=1, not as a change of their own).
    func seed(counts: [TaskState: Int], breakerOpen: Bool = false) {
        state.withLock {
            $0.counts = counts
            $0.breakerOpen = breakerOpen
        }
    }

    func update(counts: [TaskState: Int], breakerOpen: Bool = false, discoveryError: String? = nil) {
        state.withLock {
            $0.counts = counts
            $0.breakerOpen = breakerOpen
            $0.discoveryFailing = discoveryError != nil
            $0.dirty = true
        }
        changed.signal()
    }

    /// Records the answer of a stop attempt (an HTTP status, or `timeout`/`error`).
    func recordStop(at date: Date, result: String) {
        state.withLock {
            $0.lastStop = "\(Self.clockTime(date)) → \(result)"
            $0.dirty = true
        }
        changed.signal()
    }

    /// The text, and whether it changed since the last call.
    func take() -> (text: String, changed: Bool) {
        state.withLock { state in
            defer { state.dirty = false }
            return (Self.text(state), state.dirty)
        }
    }

    public var text: String { state.withLock { Self.text($0) } }

    private static func text(_ state: State) -> String {
        text(
            state.counts, state.lastStop, breakerOpen: state.breakerOpen, discoveryFailing: state.discoveryFailing)
    }

    /// `breaker open, held 3, watching 12, discovery failing, last stop 09:14:03 → 204`: an open breaker comes
    /// first; a failed discovery pass shows until the next good one.
    static func text(
        _ counts: [TaskState: Int], _ lastStop: String?, breakerOpen: Bool = false, discoveryFailing: Bool = false
    ) -> String {
        var text = StatusLine.text(counts: counts)
        if breakerOpen { text = "breaker open, " + text }
        if discoveryFailing { text += ", discovery failing" }
        if let lastStop { text += ", last stop \(lastStop)" }
        return text
    }

    /// `HH:MM:SS` in UTC.
    static func clockTime(_ date: Date) -> String {
        let full = RFC3339.format(date)
        let start = full.index(full.startIndex, offsetBy: 11)
        return String(full[start..<full.index(start, offsetBy: 8)])
    }
}
