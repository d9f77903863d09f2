import FoundationEssentials
import WatchdogProtocol

/// Discovery (`[discover]`) and the tombstones of forgotten tasks: what a listed running task means for the fleet.
extension Enforcer {
    /// Starts the page of the discovery pass due at `now`, if any. No page starts while due stops wait for an attempt
    /// slot: a pass never delays a stop (the same reasoning as for reads, `startDueReads`).
    mutating func startDuePage(now: Date, into effects: inout Effects) {
        guard !waitingForSlot, let page = discovery.pageDue(now: now) else { return }
        effects.pages.append(page)
    }

    /// A page of Maia's task list came back. Every running task on it that the allowlist admits, that is not tracked
    /// and has no tombstone, is watched (`discovered`); a `stopped` one runs again and is watched as a new run
    /// (`resumed`). Tasks in any other state are left as they are. A failed page is retried, or ends the pass.
    public mutating func pageFinished(
        _ page: Discovery.Page, outcome: ListOutcome, now: Date, using rng: inout some RandomNumberGenerator
    ) -> Effects {
        defer { pruneStaleEntries() }
        var effects = Effects()
        guard
            let step = discovery.pageFinished(
                page, outcome: outcome, retry: machine.policy.retry, now: now, using: &rng)
        else {
            effects.notes.append(.latePage(page))
            return effects
        }
        switch step {
        case .listed(let listed, let end):
            var saving: [TaskRecord] = []
            for id in listed.running {
                guard let record = discovered(id, now: now, into: &effects) else { continue }
                saving.append(record)
            }
            if !listed.malformedIDs.isEmpty { effects.notes.append(.malformedListItems(page, listed.malformedIDs)) }
            if let end { effects.notes.append(.passEnded(end, at: now)) }
            effects.persist = persist(saving, [])
        case .failed(let retryAt, let end):
            effects.notes.append(.pageFailed(page, outcome, retryAt: retryAt))
            if let end { effects.notes.append(.passEnded(end, at: now)) }
        }
        return effects
    }

    /// The record a listed running task starts, or `nil` when it is left alone.
    private mutating func discovered(_ id: TaskID, now: Date, into effects: inout Effects) -> TaskRecord? {
        guard machine.policy.allow.admits(id) else { return nil }
        if let expiry = tombstones[id], expiry > now { return nil }
        let record: TaskRecord
        if let existing = records[id] {
            guard existing.state == .stopped, pendingWatches[id] == nil else { return nil }
            record = machine.discovered(id, now: now, resumed: true)
            effects.notes.append(.resumed(record, previous: existing))
        } else {
            record = machine.discovered(id, now: now, resumed: false)
            effects.notes.append(.discovered(record))
        }
        tombstones[id] = nil
        records[id] = record
        schedule(record)
        return record
    }

    // MARK: tombstones

    /// A forgotten task's tombstone: discovery leaves it alone until `retention` from now. The record is stored in
    /// state `forgotten` (its row is the tombstone, so that a restart keeps it); `list` and `status` never show it.
    mutating func bury(_ record: TaskRecord, now: Date) {
        let expiry = now.adding(machine.policy.retention)
        tombstones[record.id] = expiry
        tombstoneQueue.push(record.id, at: expiry)
    }

    /// Drops the tombstones whose `retention` ran out by `now`; returns their IDs, for the store.
    mutating func expireTombstones(now: Date) -> [TaskID] {
        var expired: [TaskID] = []
        while let entry = tombstoneQueue.popDue(now: now) {
            guard tombstones[entry.id] == entry.at, records[entry.id] == nil else { continue }
            tombstones[entry.id] = nil
            expired.append(entry.id)
        }
        return expired
    }
}
