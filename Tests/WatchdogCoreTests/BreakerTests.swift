import Foundation
import Testing
import WatchdogProtocol

@testable import WatchdogCore

/// The breaker's window arithmetic at its edges, and the enforcer holding and releasing tasks
/// (`../shared/interface.md`, "Safety").
@Suite("Breaker")
struct BreakerTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    let window: Duration = .seconds(600)

    func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

    func admit(_ breaker: inout Breaker, _ seconds: Double, _ maxStops: Int) -> Bool {
        breaker.admit(now: at(seconds), maxStops: maxStops, window: window)
    }

    @Test func exactlyMaxStopsInTheWindowGoAndTheNextOpensIt() {
        var breaker = Breaker()
        let admitted1 = admit(&breaker, 0, 2)
        #expect(admitted1)
        let admitted2 = admit(&breaker, 599, 2)
        #expect(admitted2)
        let admitted3 = admit(&breaker, 599.5, 2)
        #expect(!admitted3)
        #expect(breaker.openedAt == at(599.5))
        // Open: nothing goes, even once the window has emptied.
        let admitted4 = admit(&breaker, 5000, 2)
        #expect(!admitted4)
        #expect(breaker.openedAt == at(599.5))
    }

    @Test func aStartSlidesOutOfTheWindowExactlyWindowLater() {
        var breaker = Breaker()
        let admitted5 = admit(&breaker, 0, 2)
        #expect(admitted5)
        let admitted6 = admit(&breaker, 10, 2)
        #expect(admitted6)
        #expect(breaker.count(now: at(599.999), window: window) == 2)
        #expect(breaker.count(now: at(600), window: window) == 1)
        let admitted7 = admit(&breaker, 600, 2)
        #expect(admitted7, "the start at 0 has slid out")
        let admitted8 = admit(&breaker, 609.999, 2)
        #expect(!admitted8, "the one at 10 has not")
    }

    @Test func releaseClosesItAndStartsTheWindowAfresh() {
        var breaker = Breaker()
        _ = breaker.admit(now: at(0), maxStops: 1, window: window)
        _ = breaker.admit(now: at(1), maxStops: 1, window: window)
        #expect(breaker.isOpen)
        breaker.release()
        #expect(!breaker.isOpen)
        #expect(breaker.count(now: at(2), window: window) == 0)
        let admitted9 = admit(&breaker, 2, 1)
        #expect(admitted9)
        let admitted10 = admit(&breaker, 3, 1)
        #expect(!admitted10)
    }

    @Test func offItAdmitsEverythingAndCountsNothingAndEnablingStartsAnEmptyWindow() {
        var breaker = Breaker()
        for second in 0..<100 { #expect(admit(&breaker, Double(second), 0)) }
        #expect(breaker.count(now: at(100), window: window) == 0)
        _ = breaker.admit(now: at(100), maxStops: 5, window: window)
        breaker.enabled()
        #expect(breaker.count(now: at(101), window: window) == 0)
    }

    // MARK: the enforcer

    let client = Requester(uid: 1000, pid: 42)
    let root = Requester(uid: 0, pid: 1)
    static func task(_ n: Int) -> TaskID { TaskID(String(format: "00000000-0000-4000-8000-%012x", n))! }

    func enforcer(maxStops: Int = 2, dryRun: Bool = false) -> Enforcer {
        Enforcer(
            policy: Policy(
                maxRuntime: .finite(.seconds(60)), allow: .everyTask, dryRun: dryRun, runtimeOrigin: .watch,
                confirm: .init(enabled: false), safety: .init(maxStops: maxStops, window: window)))
    }

    func watch(_ ids: [TaskID], on enforcer: inout Enforcer) {
        for id in ids {
            let (answer, _) = enforcer.request(.watch(id, maxRuntime: nil, startedAt: nil), from: client, now: t0)
            if case .watched(let record, let commit) = answer {
                enforcer.watchCommitted(record, commit: commit, stored: true)
            }
        }
    }

    static func held(_ effects: Enforcer.Effects) -> [TaskID] {
        effects.notes.compactMap { if case .held(let record) = $0 { record.id } else { nil } }
    }

    static func opened(_ effects: Enforcer.Effects) -> Int {
        effects.notes.count { if case .breakerOpened = $0 { true } else { false } }
    }

    @Test func fourDueTasksWithMaxStopsTwoGiveTwoStopsAndTwoHeldThenReleaseLetsThemGo() {
        var enforcer = enforcer()
        let ids = (1...4).map(Self.task)
        watch(ids, on: &enforcer)
        let due = enforcer.timerFired(now: at(60))
        #expect(due.attempts.count == 2)
        #expect(Self.held(due).count == 2)
        #expect(Self.opened(due) == 1)
        #expect(enforcer.breaker.openedAt == at(60))
        let heldIDs = Set(Self.held(due))
        #expect(Set(due.attempts.map(\.id)).isDisjoint(with: heldIDs))
        #expect(heldIDs.allSatisfy { enforcer.records[$0]?.state == .held })
        #expect(enforcer.timer == nil, "held tasks wait for a person, not for the clock")

        #expect(
            enforcer.request(.release, from: client, now: at(70)).0.isRefusal(.permissionDenied),
            "uid 1000 is not in extend_uids")
        let (answer, released) = enforcer.request(.release, from: root, now: at(70))
        #expect(answer == .afterCommit(.released(2)))
        #expect(released.persist?.saving.map(\.state) == [.stopping, .stopping])
        #expect(!enforcer.breaker.isOpen)
        #expect(enforcer.timer == at(70))
        let started = enforcer.timerFired(now: at(70))
        #expect(Set(started.attempts.map(\.id)) == heldIDs)
        // Released tasks do not count: the window starts afresh.
        #expect(enforcer.breaker.count(now: at(70), window: window) == 0)
    }

    @Test func aClientStopIsNeverHeldAndADryRunCountsItsWouldStops() {
        var enforcer = enforcer(maxStops: 1)
        let ids = (1...3).map(Self.task)
        watch(ids, on: &enforcer)
        _ = enforcer.timerFired(now: at(60))
        #expect(enforcer.breaker.isOpen)
        let held = ids.filter { enforcer.records[$0]?.state == .held }
        #expect(held.count == 2)
        let (_, stop) = enforcer.request(.stop(held[0]), from: client, now: at(61))
        #expect(stop.persist?.saving.first?.state == .stopping)
        #expect(enforcer.timerFired(now: at(61)).attempts.map(\.id) == [held[0]])

        var dry = self.enforcer(maxStops: 1, dryRun: true)
        watch(ids, on: &dry)
        let effects = dry.timerFired(now: at(60))
        #expect(ids.map { dry.records[$0]!.state }.sorted { $0.rawValue < $1.rawValue } == [.dryRun, .held, .held])
        #expect(Self.opened(effects) == 1)
    }

    @Test func aRestartWithHeldTasksKeepsTheBreakerOpenAndAReloadToZeroReleasesThem() {
        var before = enforcer(maxStops: 1)
        let ids = (1...2).map(Self.task)
        watch(ids, on: &before)
        _ = before.timerFired(now: at(60))
        let stored = Array(before.records.values)

        var after = enforcer(maxStops: 1)
        _ = after.restored(stored, now: at(500))
        #expect(after.breaker.openedAt == at(60))
        let third = Self.task(3)
        watch([third], on: &after)
        #expect(Self.held(after.timerFired(now: at(560))) == [third], "still open after the restart")
        let reload = after.reloaded(
            Policy(
                maxRuntime: .finite(.seconds(60)), allow: .everyTask, runtimeOrigin: .watch,
                confirm: .init(enabled: false), safety: .init(maxStops: 0)),
            now: at(600))
        #expect(!after.breaker.isOpen)
        #expect(reload.notes.contains(.released(2, by: nil)))
        #expect(after.records.values.allSatisfy { $0.state != .held })
    }
}

extension Enforcer.Answer {
    fileprivate func isRefusal(_ code: ControlError.Code) -> Bool {
        if case .now(.failure(let error)) = self { return error.code == code }
        return false
    }
}
