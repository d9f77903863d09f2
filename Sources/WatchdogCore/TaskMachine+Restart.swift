import FoundationEssentials
import WatchdogProtocol

extension TaskMachine {
    /// A record loaded at start. A `stopping` record without a next attempt had an attempt in
    /// flight when the daemon stopped (the attempt is stored before it is sent; its answer was
    /// never stored): nobody knows whether Maia saw it, so it is retried at once. Maia answers a
    /// repeated stop of a stopped task with 409 (`not_running`), so a retry is safe.
    /// Returns whether the record changed.
    public func resume(_ record: inout TaskRecord, now: Date) -> Bool {
        if record.readPurpose != nil, record.nextReadAt == nil, !record.isSettled {
            // A read was in flight: it is made again, at once (a read changes nothing at Maia).
            record.nextReadAt = now
        }
        guard record.state == .stopping, record.nextAttemptAt == nil else { return false }
        record.nextAttemptAt = now
        return true
    }
}
