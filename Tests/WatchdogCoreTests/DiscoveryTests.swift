import Foundation
import Testing
import WatchdogProtocol

@testable import WatchdogCore

/// Discovery, exactly (`../shared/interface.md`, "Discovery"): pass times on the grid, pages, the tasks a pass
/// watches and the ones it leaves alone, tombstones, failed passes, reloads. Every instant is chosen; no HTTP.
@Suite("Enforcer: discovery")
struct DiscoveryTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    let client = Requester(uid: 1000, pid: 42)

    func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

    static func id(_ n: Int) -> TaskID {
        TaskID(String(format: "00000000-0000-4000-8000-%012x", n))!
    }

    func makeEnforcer(
        discover: Policy.DiscoverConfiguration = .init(enabled: true, interval: .seconds(60)),
        allow: Policy.Allowlist = .everyTask, maxInFlight: Int = 16, limits: [TaskID: TimeSpan] = [:]
    ) -> Enforcer {
        var enforcer = Enforcer(
            policy: Policy(
                maxRuntime: .finite(.seconds(600)), allow: allow, retention: .seconds(3600), limits: limits,
                api: .init(maxInFlight: maxInFlight), runtimeOrigin: .watch, confirm: .init(enabled: false),
                discover: discover))
        _ = enforcer.restored([], now: t0)
        return enforcer
    }

    static func page(_ ids: [TaskID], total: Int? = nil, items: Int? = nil) -> ListOutcome {
        .page(ListedPage(running: ids, items: items ?? ids.count, total: total ?? ids.count))
    }

    /// Fires the timer at `seconds`, expects exactly `expected` as the one page asked for, and answers it.
    @discardableResult
    func list(
        _ enforcer: inout Enforcer, at seconds: Double, expect expected: Discovery.Page, _ outcome: ListOutcome,
        seed: UInt64 = 1
    ) -> Enforcer.Effects {
        let fired = enforcer.timerFired(now: at(seconds))
        #expect(fired.pages == [expected], "at \(seconds) s")
        var rng = SplitMix64(seed: seed)
        return enforcer.pageFinished(expected, outcome: outcome, now: at(seconds), using: &rng)
    }

    static func discovered(_ effects: Enforcer.Effects) -> [TaskID] {
        effects.notes.compactMap { if case .discovered(let record) = $0 { return record.id } else { return nil } }
    }

    // MARK: passes and pages

    @Test func aPassListsPageByPageUntilAShortPageAndWatchesEveryUntrackedTask() {
        var enforcer = makeEnforcer()
        #expect(enforcer.timer == .distantPast, "the first pass is due at once")
        let first = (0..<100).map(Self.id)
        let second = (100..<150).map(Self.id)
        let one = list(&enforcer, at: 0, expect: .init(pass: 1, project: nil, number: 0), Self.page(first, total: 150))
        #expect(Self.discovered(one) == first)
        #expect(one.persist?.saving.map(\.id) == first, "discovered records are stored")
        let two = list(&enforcer, at: 0, expect: .init(pass: 1, project: nil, number: 1), Self.page(second, total: 150))
        #expect(Self.discovered(two) == second)
        #expect(two.notes.contains(.passEnded(.finished(pages: 2, listed: 150, truncated: false), at: at(0))))
        #expect(enforcer.discovery.lastPassAt == at(0))
        #expect(enforcer.discovery.nextPassAt == at(60))
        let record = enforcer.records[Self.id(7)]
        #expect(record?.source == .discovery)
        #expect(record?.state == .watching)
        #expect(record?.readPurpose == .origin, "the origin comes from a task read, whatever runtime_origin says")
        #expect(enforcer.readsInFlight.contains(Self.id(7)), "its read started with the turn that asked for page 1")
        #expect(record?.deadline == at(600), "until the read answers, the runtime counts from the discovery")
        // The origin reads started with the turn that asked for the second page, as many as max_in_flight.
        #expect(enforcer.readsInFlight.count == 16)
    }

    @Test func aFullPageAtTotalEndsTheListingAndATaskSeenTwiceIsOneTask() {
        var enforcer = makeEnforcer()
        let ids = (0..<100).map(Self.id)
        let effects = list(
            &enforcer, at: 0, expect: .init(pass: 1, project: nil, number: 0), Self.page(ids, total: 100))
        #expect(effects.notes.contains(.passEnded(.finished(pages: 1, listed: 100, truncated: false), at: at(0))))
        // Items moved between pages: the same task listed again in the next pass is tracked, so left alone.
        let again = list(
            &enforcer, at: 60, expect: .init(pass: 2, project: nil, number: 0),
            Self.page([Self.id(3), Self.id(3), Self.id(200)]))
        #expect(Self.discovered(again) == [Self.id(200)])
    }

    @Test func passesKeepToTheGridOfTheirStart() {
        var enforcer = makeEnforcer(discover: .init(enabled: true, interval: .seconds(30)))
        list(&enforcer, at: 0, expect: .init(pass: 1, project: nil, number: 0), Self.page([]))
        #expect(enforcer.discovery.nextPassAt == at(30))
        #expect(enforcer.timer == at(30))
        #expect(enforcer.timerFired(now: at(29.9)).pages.isEmpty)
        // A pass answered late (75 s after it started) is followed at the next multiple of the interval: 120 s.
        let fired = enforcer.timerFired(now: at(45))
        #expect(fired.pages == [.init(pass: 2, project: nil, number: 0)])
        var rng = SplitMix64(seed: 1)
        _ = enforcer.pageFinished(fired.pages[0], outcome: Self.page([]), now: at(120), using: &rng)
        #expect(enforcer.discovery.nextPassAt == at(135))
    }

    @Test func eachProjectIsListedInTurn() {
        var enforcer = makeEnforcer(discover: .init(enabled: true, interval: .seconds(60), projects: ["p-1", "p-2"]))
        list(&enforcer, at: 0, expect: .init(pass: 1, project: "p-1", number: 0), Self.page([Self.id(1)]))
        let last = list(&enforcer, at: 0, expect: .init(pass: 1, project: "p-2", number: 0), Self.page([Self.id(2)]))
        #expect(last.notes.contains(.passEnded(.finished(pages: 2, listed: 2, truncated: false), at: at(0))))
    }

    @Test func aPassStopsAtOneHundredPages() {
        var enforcer = makeEnforcer()
        var last = Enforcer.Effects()
        for number in 0..<100 {
            let ids = (0..<100).map { Self.id(number * 100 + $0) }
            last = list(
                &enforcer, at: 0, expect: .init(pass: 1, project: nil, number: number), Self.page(ids, total: 20_000))
        }
        #expect(last.notes.contains(.passEnded(.finished(pages: 100, listed: 10_000, truncated: true), at: at(0))))
        #expect(enforcer.timerFired(now: at(0)).pages.isEmpty)
        #expect(enforcer.discovery.nextPassAt == at(60))
    }

    // MARK: which tasks

    @Test func theAllowlistKeepsDiscoveryAwayFromTasksItDoesNotAdmit() {
        var enforcer = makeEnforcer(allow: .only([Self.id(1)]))
        let effects = list(
            &enforcer, at: 0, expect: .init(pass: 1, project: nil, number: 0), Self.page([Self.id(1), Self.id(2)]))
        #expect(Self.discovered(effects) == [Self.id(1)])
        #expect(enforcer.records[Self.id(2)] == nil)
        #expect(enforcer.timerFired(now: at(0)).reads.map(\.id) == [Self.id(1)], "only the admitted task is read")
    }

    @Test func aTrackedTaskIsLeftAloneAndARestartDoesNotDuplicateIt() {
        var first = makeEnforcer()
        let (answer, _) = first.request(.watch(Self.id(1), maxRuntime: nil, startedAt: nil), from: client, now: t0)
        guard case .watched(let watched, _) = answer else {
            Issue.record("watch answered \(answer)")
            return
        }
        var restarted = makeEnforcer()
        _ = restarted.restored([watched], now: at(5))
        let effects = list(
            &restarted, at: 5, expect: .init(pass: 1, project: nil, number: 0), Self.page([Self.id(1), Self.id(2)]))
        #expect(Self.discovered(effects) == [Self.id(2)])
        #expect(restarted.records[Self.id(1)] == watched, "the client's record is unchanged")
        #expect(restarted.records.count == 2)
    }

    @Test func aStoppedTaskListedRunningAgainIsWatchedAsANewRun() {
        var enforcer = makeEnforcer()
        var stopped = TaskRecord(
            id: Self.id(1), state: .stopped, watchedAt: t0, startedAt: t0, deadline: at(600),
            maxRuntime: .seconds(600), attempts: 1, lastHTTPStatus: 204, updatedAt: at(620), requestedBy: client)
        stopped.confirmedAt = at(620)
        var gaveUp = stopped
        gaveUp.id = Self.id(2)
        gaveUp.state = .gaveUp
        _ = enforcer.restored([stopped, gaveUp], now: at(700))
        let effects = list(
            &enforcer, at: 700, expect: .init(pass: 1, project: nil, number: 0), Self.page([Self.id(1), Self.id(2)]))
        let resumed = enforcer.records[Self.id(1)]
        #expect(effects.notes.contains { if case .resumed(let r, stopped) = $0 { r == resumed } else { false } })
        #expect(resumed?.state == .watching)
        #expect(resumed?.source == .discovery)
        #expect(resumed?.startedAt == at(700), "a resumed task counts from the moment it was seen running again")
        #expect(resumed?.deadline == at(1300))
        #expect(resumed?.readPurpose == nil, "no read: Maia keeps the createdAt of the first run")
        #expect(resumed?.attempts == 0)
        #expect(enforcer.records[Self.id(2)] == gaveUp, "other terminal states are left as they are")
    }

    @Test func theOriginReadMovesTheDeadlineAndAnOverdueTaskIsStoppedAtOnce() {
        var enforcer = makeEnforcer()
        list(&enforcer, at: 0, expect: .init(pass: 1, project: nil, number: 0), Self.page([Self.id(1)]))
        let fired = enforcer.timerFired(now: at(1))
        let read = Enforcer.Read(id: Self.id(1), purpose: .origin)
        #expect(fired.reads == [read])
        var rng = SplitMix64(seed: 1)
        _ = enforcer.readFinished(
            read, outcome: .task(status: "RUNNING", createdAt: at(-3600)), now: at(1), using: &rng)
        #expect(enforcer.records[Self.id(1)]?.deadline == at(-3000))
        #expect(enforcer.timerFired(now: at(1)).attempts.map(\.id) == [Self.id(1)])
    }

    // MARK: tombstones

    @Test func aForgottenTaskIsNotRediscoveredWhileItsTombstoneLasts() {
        var enforcer = makeEnforcer()
        list(&enforcer, at: 0, expect: .init(pass: 1, project: nil, number: 0), Self.page([Self.id(1)]))
        let (_, forgot) = enforcer.request(.forget(Self.id(1)), from: client, now: at(10))
        let tombstone = forgot.persist?.saving.first
        #expect(tombstone?.state == .forgotten, "the tombstone is stored, so that a restart keeps it")
        #expect(forgot.persist?.removing == [])
        let kept = list(&enforcer, at: 60, expect: .init(pass: 2, project: nil, number: 0), Self.page([Self.id(1)]))
        #expect(Self.discovered(kept).isEmpty)
        // A restart keeps it: the stored tombstone comes back as one.
        var restarted = makeEnforcer()
        _ = restarted.restored([tombstone!], now: at(100))
        #expect(restarted.records.count == 0, "a tombstone is no tracked task")
        let stillKept = list(
            &restarted, at: 100, expect: .init(pass: 1, project: nil, number: 0), Self.page([Self.id(1)]))
        #expect(Self.discovered(stillKept).isEmpty)
        // At retention (3600 s after the forget) it goes from the store, and the task is discovered again.
        let expired = restarted.timerFired(now: at(3610))
        #expect(expired.persist?.removing == [Self.id(1)])
        #expect(expired.pages == [.init(pass: 2, project: nil, number: 0)])
        var rng = SplitMix64(seed: 1)
        let found = restarted.pageFinished(
            expired.pages[0], outcome: Self.page([Self.id(1)]), now: at(3610), using: &rng)
        #expect(Self.discovered(found) == [Self.id(1)])
    }

    @Test func aNewWatchClearsTheTombstone() {
        var enforcer = makeEnforcer(discover: .init())
        _ = enforcer.request(.watch(Self.id(1), maxRuntime: nil, startedAt: nil), from: client, now: t0)
        _ = enforcer.request(.forget(Self.id(1)), from: client, now: at(1))
        #expect(enforcer.tombstones[Self.id(1)] == at(3601), "forgetting leaves a tombstone even with discovery off")
        _ = enforcer.request(.watch(Self.id(1), maxRuntime: nil, startedAt: nil), from: client, now: at(2))
        #expect(enforcer.tombstones[Self.id(1)] == nil)
        let later = enforcer.timerFired(now: at(3601))
        #expect(later.persist?.removing == [], "the stale tombstone entry removes nothing")
        #expect(enforcer.records[Self.id(1)] != nil)
    }

    // MARK: failures

    @Test func aFailingPageIsRetriedForOneIntervalThenThePassFailsAndEnforcementGoesOn() {
        var enforcer = makeEnforcer()
        let (answer, _) = enforcer.request(
            .watch(Self.id(9), maxRuntime: .seconds(45), startedAt: nil), from: client, now: t0)
        guard case .watched(let record, let commit) = answer else {
            Issue.record("watch answered \(answer)")
            return
        }
        enforcer.watchCommitted(record, commit: commit, stored: true)
        let badGateway = ListOutcome.answered(status: 502, retryNotBefore: nil, detail: nil)
        let page = Discovery.Page(pass: 1, project: nil, number: 0)
        #expect(enforcer.timerFired(now: at(0)).pages == [page])
        var rng = SplitMix64(seed: 3)
        var now = 0.0
        var retries: [Double] = []
        var ended: Discovery.PassEnd?
        var stopsStarted: [TaskID] = []
        while ended == nil {
            let effects = enforcer.pageFinished(page, outcome: badGateway, now: at(now), using: &rng)
            for note in effects.notes {
                if case .passEnded(let end, _) = note { ended = end }
            }
            guard ended == nil else { break }
            guard case .pageFailed(_, _, let retryAt?) = effects.notes.first else {
                Issue.record("no retry in \(effects.notes)")
                return
            }
            let next = retryAt.timeIntervalSince(t0)
            #expect(next > now && next <= 60, "retries stay within one interval of the first failure")
            retries.append(next)
            now = next
            let fired = enforcer.timerFired(now: at(now))
            #expect(fired.pages == [page])
            stopsStarted += fired.attempts.map(\.id)
        }
        // Deadlines are acted on whatever the pass does: the watched task is stopped at 45 s.
        stopsStarted += enforcer.timerFired(now: at(max(now, 45))).attempts.map(\.id)
        #expect(retries.count >= 3, "retries: \(retries)")
        guard case .failed(let error) = ended else {
            Issue.record("the pass ended \(String(describing: ended))")
            return
        }
        #expect(error == "listing running tasks failed (page 0): HTTP 502")
        #expect(enforcer.discovery.lastError == error)
        #expect(enforcer.discovery.lastPassAt == nil)
        #expect(enforcer.discovery.nextPassAt == at(60), "the next pass comes at the next interval")
        #expect(stopsStarted == [Self.id(9)])
        // The next good pass clears the error.
        list(&enforcer, at: 60, expect: .init(pass: 2, project: nil, number: 0), Self.page([]))
        #expect(enforcer.discovery.lastError == nil)
        #expect(enforcer.discovery.lastPassAt == at(60))
    }

    @Test func aFirst401IsAskedAgainAtOnceWithAFreshToken() {
        var enforcer = makeEnforcer()
        let effects = list(
            &enforcer, at: 0, expect: .init(pass: 1, project: nil, number: 0),
            .answered(status: 401, retryNotBefore: nil, detail: nil))
        #expect(
            effects.notes == [
                .pageFailed(
                    .init(pass: 1, project: nil, number: 0), .answered(status: 401, retryNotBefore: nil, detail: nil),
                    retryAt: at(0))
            ])
        list(&enforcer, at: 0, expect: .init(pass: 1, project: nil, number: 0, freshToken: true), Self.page([]))
        #expect(enforcer.discovery.lastPassAt == at(0))
    }

    @Test func retryAfterIsHonoured() {
        var enforcer = makeEnforcer()
        let effects = list(
            &enforcer, at: 0, expect: .init(pass: 1, project: nil, number: 0),
            .answered(status: 429, retryNotBefore: at(50), detail: nil))
        #expect(effects.notes.contains { if case .pageFailed(_, _, at(50)) = $0 { true } else { false } })
        #expect(enforcer.timerFired(now: at(49)).pages.isEmpty)
    }

    @Test func noPageStartsWhileDueStopsWaitForASlot() {
        var enforcer = makeEnforcer(discover: .init(), maxInFlight: 1)
        for n in 1...2 {
            _ = enforcer.request(.watch(Self.id(n), maxRuntime: .seconds(10), startedAt: nil), from: client, now: t0)
        }
        #expect(enforcer.timerFired(now: at(10)).attempts.count == 1, "one slot: the second stop waits")
        _ = enforcer.reloaded(
            Policy(
                maxRuntime: .finite(.seconds(600)), allow: .everyTask, retention: .seconds(3600),
                api: .init(maxInFlight: 1), runtimeOrigin: .watch, confirm: .init(enabled: false),
                discover: .init(enabled: true)),
            now: at(11))
        #expect(enforcer.timerFired(now: at(11)).pages.isEmpty, "a pass never delays a stop")
        #expect(enforcer.timer == nil)
        var rng = SplitMix64(seed: 1)
        _ = enforcer.attemptFinished(
            Self.id(1), outcome: .answered(status: 204, retryNotBefore: nil, detail: nil), now: at(12), using: &rng)
        // The waiting stop takes the free slot; no stop waits any more, so the pass starts.
        let next = enforcer.timerFired(now: at(12))
        #expect(next.attempts.map(\.id) == [Self.id(2)])
        #expect(next.pages == [.init(pass: 1, project: nil, number: 0)])
    }

    // MARK: reload

    @Test func aReloadTurnsDiscoveryOnAndOffAndMovesItsInterval() {
        var enforcer = makeEnforcer(discover: .init())
        #expect(enforcer.timer == nil)
        func policy(_ discover: Policy.DiscoverConfiguration) -> Policy {
            Policy(
                maxRuntime: .finite(.seconds(600)), allow: .everyTask, retention: .seconds(3600),
                runtimeOrigin: .watch, confirm: .init(enabled: false), discover: discover)
        }
        _ = enforcer.reloaded(policy(.init(enabled: true, interval: .seconds(60))), now: at(5))
        #expect(enforcer.timer == at(5), "turned on: a pass at once")
        let page = enforcer.timerFired(now: at(5)).pages
        #expect(page == [.init(pass: 1, project: nil, number: 0)])
        // Turned off while a page is in flight: its answer is late, and no pass follows.
        _ = enforcer.reloaded(policy(.init()), now: at(6))
        var rng = SplitMix64(seed: 1)
        let late = enforcer.pageFinished(page[0], outcome: Self.page([Self.id(1)]), now: at(7), using: &rng)
        #expect(late.notes == [.latePage(page[0])])
        #expect(enforcer.records.count == 0)
        #expect(enforcer.timer == nil)
        // On again, with a pass done, then a shorter interval: the next pass moves to the new grid.
        _ = enforcer.reloaded(policy(.init(enabled: true, interval: .seconds(60))), now: at(10))
        list(&enforcer, at: 10, expect: .init(pass: 2, project: nil, number: 0), Self.page([]))
        #expect(enforcer.discovery.nextPassAt == at(70))
        _ = enforcer.reloaded(policy(.init(enabled: true, interval: .seconds(20), projects: ["p"])), now: at(15))
        #expect(enforcer.discovery.nextPassAt == at(30))
        list(&enforcer, at: 30, expect: .init(pass: 3, project: "p", number: 0), Self.page([]))
    }
}
