import FoundationEssentials
import WatchdogProtocol

extension Enforcer {
    /// One control-socket request from `requester`: its effect on the tracked tasks, and when it may be answered.
    public mutating func request(
        _ request: ControlRequest, from requester: Requester, now: Date
    ) -> (Answer, Effects) {
        defer { pruneStaleEntries() }
        var effects = Effects()
        switch request {
        case .watch(let id, let maxRuntime, let startedAt):
            if let existing = records[id] {
                // The same ID watched concurrently: answer only once the first watch is on disk.
                guard let commit = pendingWatches[id] else { return (.now(.task(existing)), effects) }
                return (.sameWatch(id, commit), effects)
            }
            switch machine.watch(id, maxRuntime: maxRuntime, startedAt: startedAt, now: now, requestedBy: requester) {
            case .failure(let error):
                effects.notes.append(.refused(error, id, by: requester, verb: "watch"))
                return (.now(.failure(error)), effects)
            case .success(let record):
                records[id] = record
                tombstones[id] = nil
                schedule(record)
                effects.notes.append(.watched(record, by: requester))
                let persist = persist(saving: record)
                effects.persist = persist
                pendingWatches[id] = persist.commit
                return (.watched(record, persist.commit), effects)
            }
        case .stop(let id):
            switch machine.stopRequested(id, existing: records[id], now: now, requestedBy: requester) {
            case .failure(let error):
                effects.notes.append(.refused(error, id, by: requester, verb: "stop"))
                return (.now(.failure(error)), effects)
            case .success(let (record, step)):
                guard let step else { return (.now(.task(record)), effects) }
                records[id] = record
                tombstones[id] = nil
                effects.notes.append(.stopRequested(record, by: requester))
                if case .finish(.dryRun) = step { effects.notes.append(.wouldStop(record)) }
                schedule(record)
                effects.persist = persist([record], [])
                return (.afterCommit(.task(record)), effects)
            }
        case .forget(let id):
            guard var record = records.removeValue(forKey: id) else {
                return (.now(.failure(ControlError(.unknownTask, "task \(id) is not tracked"))), effects)
            }
            record.state = .forgotten
            record.updatedAt = now
            effects.notes.append(.forgot(record, by: requester))
            // The record stays on disk as the task's tombstone, so that discovery does not take it up again.
            bury(record, now: now)
            effects.persist = persist([record], [])
            return (.afterCommit(.task(record)), effects)
        case .status(let id?):
            guard let record = records[id] else {
                return (.now(.failure(ControlError(.unknownTask, "task \(id) is not tracked"))), effects)
            }
            return (.now(.task(record)), effects)
        case .status(nil):
            return (.daemonStatus, effects)
        case .metrics:
            return (.daemonMetrics, effects)
        case .extend(let id, let span):
            guard machine.policy.socket.mayExtend(uid: requester.uid) else {
                let error = ControlError(
                    .permissionDenied, "uid \(requester.uid) may not extend tasks (only root and [socket] extend_uids)")
                effects.notes.append(.refused(error, id, by: requester, verb: "extend"))
                return (.now(.failure(error)), effects)
            }
            guard var record = records[id] else {
                return (.now(.failure(ControlError(.unknownTask, "task \(id) is not tracked"))), effects)
            }
            if let error = machine.extend(&record, by: span, now: now) {
                effects.notes.append(.refused(error, id, by: requester, verb: "extend"))
                return (.now(.failure(error)), effects)
            }
            records[id] = record
            schedule(record)
            effects.notes.append(.extended(record, by: requester, span: span))
            effects.persist = persist([record], [])
            return (.afterCommit(.task(record)), effects)
        case .release:
            guard machine.policy.socket.mayExtend(uid: requester.uid) else {
                let error = ControlError(
                    .permissionDenied,
                    "uid \(requester.uid) may not release the breaker (only root and [socket] extend_uids)")
                return (.now(.failure(error)), effects)
            }
            let wasOpen = breaker.isOpen
            let released = releaseHeld(now: now, into: &effects)
            if wasOpen { effects.notes.append(.released(released.count, by: requester)) }
            effects.persist = persist(released, [])
            return (.afterCommit(.released(released.count)), effects)
        case .list(let state):
            let selected = records.values.filter { state == nil || $0.state == state }
            return (.now(.tasks(selected.sorted { ($0.watchedAt, $0.id) < ($1.watchedAt, $1.id) })), effects)
        }
    }

    /// The commit of a new watch is done. A watch the store refused is taken back: what is not on disk is never
    /// acknowledged (the client gets `unavailable` and may try again). Returns whether a record was taken back.
    @discardableResult
    public mutating func watchCommitted(_ record: TaskRecord, commit: CommitID, stored: Bool) -> Bool {
        defer { pruneStaleEntries() }
        if pendingWatches[record.id] == commit { pendingWatches[record.id] = nil }
        guard !stored, records[record.id]?.watchedAt == record.watchedAt else { return false }
        records[record.id] = nil
        return true
    }
}
