import FoundationEssentials
import WatchdogProtocol

extension Enforcer {
    /// Names one store commit the enforcer asked for, so that answers and later events can refer to it.
    public struct CommitID: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: UInt64
        public var description: String { "commit \(rawValue)" }
    }

    /// Records to save and IDs to remove, as one store commit.
    public struct Persist: Sendable, Equatable {
        public var commit: CommitID
        public var saving: [TaskRecord]
        public var removing: [TaskID]
    }

    /// One HTTP stop attempt to start. It is already recorded in the event's `persist` (write-ahead): the shell
    /// sends it once that commit is done.
    public struct Attempt: Sendable, Hashable {
        public var id: TaskID
        /// The attempt's number within the task's stop sequence, from 1.
        public var number: Int
        /// Fetch a fresh token first (the previous attempt was answered 401).
        public var freshToken: Bool
    }

    /// One task read to start (at once: nothing is stored first).
    public struct Read: Sendable, Hashable {
        public var id: TaskID
        public var purpose: ReadPurpose
        /// Fetch a fresh token first (the previous read was answered 401).
        public var freshToken: Bool

        public init(id: TaskID, purpose: ReadPurpose, freshToken: Bool = false) {
            self.id = id
            self.purpose = purpose
            self.freshToken = freshToken
        }
    }

    /// What happened, for the journal: the shell logs each note and decides nothing.
    public enum Note: Sendable, Equatable {
        /// At start: a stop attempt was in flight when the daemon stopped; it is retried at once.
        case resumedInFlight(TaskRecord)
        /// A watch was accepted (and is being stored).
        case watched(TaskRecord, by: Requester)
        /// A client's request was refused; `verb` is `watch`, `stop` or `extend`.
        case refused(ControlError, TaskID, by: Requester, verb: String)
        /// A client asked for `stop`.
        case stopRequested(TaskRecord, by: Requester)
        /// A client's `extend` moved a watching task's deadline later by `span`.
        case extended(TaskRecord, by: Requester, span: Duration)
        /// A client asked to `forget`; the record is shown in state `forgotten`.
        case forgot(TaskRecord, by: Requester)
        /// A `watching` task's deadline is `[safety] warn_before` away (or less, when it was watched inside that window).
        case deadlineWarning(TaskRecord)
        /// The breaker opened: this task's passed deadline would have started one deadline stop too many within
        /// `[safety] window`.
        case breakerOpened(TaskRecord)
        /// The open breaker holds this task (no stop call until `release`).
        case held(TaskRecord)
        /// The breaker closed and this many held tasks started their stop sequences; `by` is the client that sent
        /// `release`, `nil` when a reload turned the breaker off.
        case released(Int, by: Requester?)
        /// A `watching` task's deadline passed.
        case deadlinePassed(TaskRecord)
        /// Dry run: the stop that would have been sent.
        case wouldStop(TaskRecord)
        /// A stop attempt is about to be sent.
        case attemptStarted(TaskRecord)
        /// An attempt came back; `step` is what the task machine made of it.
        case attemptFinished(TaskRecord, StopOutcome, step: EnforcerAction, at: Date)
        /// First attempt + `give_up_after` came without a retry that fits before it: the sequence ended `step`.
        case gaveUp(TaskRecord, step: EnforcerAction)
        /// An answer for a task that was forgotten (or dropped by a reload) while its attempt was in flight.
        case lateAnswer(TaskID, StopOutcome)
        /// A read came back; `step` is what the task machine made of it (event `status_read`).
        case statusRead(TaskRecord, Read, ReadOutcome, step: ReadStep)
        /// A read's answer for a task that no longer waits for it (forgotten, stopped meanwhile).
        case lateRead(Read, ReadOutcome)
        /// First 204 + `[confirm] give_up_after` passed without Maia reporting the task stopped.
        case unconfirmed(TaskRecord)
        /// A terminal record's retention ran out.
        case expired(TaskRecord)
        /// A reload's allowlist no longer admits the task: it is no longer enforced.
        case noLongerAllowed(TaskRecord)
        /// Discovery found a running task nobody tracked; it is watched now (event `discovered`).
        case discovered(TaskRecord)
        /// Discovery found a task whose stop Maia had confirmed running again; it is watched as a new run (event
        /// `resumed`). `previous` is the `stopped` record it replaces.
        case resumed(TaskRecord, previous: TaskRecord)
        /// A list page failed; it is asked for again at `retryAt`, or (`nil`) the pass failed.
        case pageFailed(Discovery.Page, ListOutcome, retryAt: Date?)
        /// A list page held items whose IDs are no UUID: skipped.
        case malformedListItems(Discovery.Page, [String])
        /// A discovery pass ended.
        case passEnded(Discovery.PassEnd, at: Date)
        /// A page's answer for a pass that is no longer under way (a reload turned discovery off).
        case latePage(Discovery.Page)
    }

    /// What the shell must do after an event: store, then start attempts, and log.
    public struct Effects: Sendable, Equatable {
        public var persist: Persist?
        public var attempts: [Attempt] = []
        /// Task reads to start; unlike attempts they need no commit first.
        public var reads: [Read] = []
        /// Discovery's list pages to ask for (at most one at a time).
        public var pages: [Discovery.Page] = []
        public var notes: [Note] = []

        public init() {}
    }

    /// When and with what a request may be answered.
    public enum Answer: Sendable, Equatable {
        /// At once.
        case now(ControlResponse)
        /// Once the request's own commit (its effects' `persist`) is done, whether or not it succeeded.
        case afterCommit(ControlResponse)
        /// A new watch: `ok` only once its commit (the effects' `persist`) is on disk; the shell then reports
        /// `watchCommitted`.
        case watched(TaskRecord, CommitID)
        /// A watch of a task whose first watch, by another request, is still being committed: once that
        /// commit is done, the record as it is then (or `unavailable` if the first watch was not stored).
        case sameWatch(TaskID, CommitID)
        /// `status` of the daemon, which the shell composes.
        case daemonStatus
        /// `metrics`, which the shell renders.
        case daemonMetrics
    }
}
