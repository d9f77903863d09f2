import Foundation

/// The tasks the stand-in knows and how they change: created on first mention (when configured), `RUNNING` →
/// `STOPPING` on an accepted stop, then `STOPPED` as ``StopProgress`` says; scripted statuses and read answers per
/// task; tasks marked missing. Pure state: the caller passes the time and holds the lock.
struct TaskRegistry {
    /// One known task and its stop in progress.
    struct Entry {
        var task: StandInTask
        /// Set by an accepted (204) stop of a `RUNNING` task; cleared when the status leaves `STOPPING`.
        var acceptedStop: AcceptedStop?
        /// The task's own progression, else the configuration's.
        var progress: StopProgress?
    }

    /// When a stop was accepted, and how many reads have answered `STOPPING` since.
    struct AcceptedStop {
        var at: Date
        var reads = 0
    }

    /// What the registry makes of a task ID.
    enum Lookup {
        case known(String)
        case missing
        case unknown
    }

    /// An answer decided by the registry, with the JSON body of a 2xx and the task status a read reported.
    struct Answer {
        var answer: ScriptedAnswer
        var body: [UInt8]?
        var taskStatus: String?
    }

    /// The statuses after which a stop is a conflict (409): Maia only stops a running task.
    static let notRunning: Set<String> = ["STOPPING", "STOPPED", "ERRORED"]

    var configuration: TaskRegistryConfiguration
    /// Known tasks by lower-case ID.
    private(set) var entries: [String: Entry] = [:]
    /// Lower-case IDs of tasks that are gone: 404, never created again by a mention.
    private(set) var missing: Set<String> = []
    /// Statuses that the next reads of a task take, in order, by lower-case ID.
    var statusScripts: [String: [String]] = [:]
    /// Answers for the next reads of a task, in order, by lower-case ID; a 2xx answers from the registry.
    var readScripts: [String: [ScriptedAnswer]] = [:]
    /// Answers for the next list pages, in order; a 2xx answers from the registry.
    var listScript: [ScriptedAnswer] = []
    /// The keys of ``entries`` in list order (ascending lower-case ID), rebuilt after a task is added or removed.
    private var orderCache: [String]?

    init(configuration: TaskRegistryConfiguration) {
        self.configuration = configuration
    }

    /// The known tasks in list order.
    var orderedKeys: [String] {
        mutating get {
            if let order = self.orderCache { return order }
            let order = self.entries.keys.sorted()
            self.orderCache = order
            return order
        }
    }

    /// Makes `task` known, replacing a task with its ID and forgetting a stop in progress; a missing task is back.
    mutating func set(_ task: StandInTask) {
        let key = task.taskID.lowercased()
        if self.entries[key] == nil { self.orderCache = nil }
        self.entries[key] = Entry(task: task, progress: self.entries[key]?.progress)
        self.missing.remove(key)
    }

    /// Marks a task missing: it is forgotten, and reads and stops of it are 404 until it is set again.
    mutating func remove(_ taskID: String) {
        let key = taskID.lowercased()
        if self.entries.removeValue(forKey: key) != nil { self.orderCache = nil }
        self.statusScripts[key] = nil
        self.missing.insert(key)
    }

    /// The task as a request naming it finds it: known, missing, or unknown; created first when the configuration
    /// says so.
    mutating func lookup(_ taskID: String, now: Date) -> Lookup {
        let key = taskID.lowercased()
        if self.entries[key] != nil { return .known(key) }
        if self.missing.contains(key) { return .missing }
        guard self.configuration.createsTasksOnMention else { return .unknown }
        self.set(StandInTask(taskID: taskID, createdAt: now, projectID: self.configuration.projectID))
        return .known(key)
    }

    /// Makes a task known if it is neither known nor missing (`RUNNING`, created now), whatever the configuration.
    mutating func ensure(_ taskID: String, now: Date) {
        let key = taskID.lowercased()
        guard self.entries[key] == nil, !self.missing.contains(key) else { return }
        self.set(StandInTask(taskID: taskID, createdAt: now, projectID: self.configuration.projectID))
    }

    /// The task with lower-case ID `key`, if known.
    func task(_ key: String) -> StandInTask? {
        self.entries[key]?.task
    }

    /// Sets a known task's status (and `modifiedAt` when it changes); leaving `STOPPING` ends a stop in progress.
    mutating func setStatus(_ key: String, _ status: String, now: Date) {
        guard var entry = self.entries[key] else { return }
        if entry.task.status != status {
            entry.task.status = status
            entry.task.modifiedAt = now
        }
        if status != "STOPPING" { entry.acceptedStop = nil }
        self.entries[key] = entry
    }

    /// Back to `RUNNING` with its `createdAt` kept, as Maia resumes a task; `false` when the task is not known.
    mutating func resume(_ taskID: String, now: Date) -> Bool {
        let key = taskID.lowercased()
        guard self.entries[key] != nil else { return false }
        self.setStatus(key, "RUNNING", now: now)
        return true
    }

    /// Sets a task's own progression (`nil`: the configuration's).
    mutating func setProgress(_ progress: StopProgress?, for taskID: String) {
        let key = taskID.lowercased()
        self.entries[key]?.progress = progress
    }

    /// Moves a `STOPPING` task with an accepted stop on as its progression says; `countingRead` when a task read is
    /// being answered (only those count toward ``StopProgress/reads(_:)``).
    mutating func advance(_ key: String, now: Date, countingRead: Bool) {
        guard var entry = self.entries[key], entry.task.status == "STOPPING", let stop = entry.acceptedStop else {
            return
        }
        switch entry.progress ?? self.configuration.stopProgress {
        case .reads(let count):
            if stop.reads >= count {
                self.setStatus(key, "STOPPED", now: now)
                return
            }
            if countingRead { entry.acceptedStop?.reads += 1 }
            self.entries[key] = entry
        case .after(let delay):
            if now.timeIntervalSince(stop.at) >= Self.seconds(delay) {
                self.setStatus(key, "STOPPED", now: now)
            }
        }
    }

    /// Applies every time-based progression due at `now` (before a list page).
    mutating func advanceAll(now: Date) {
        for (key, entry) in self.entries where entry.acceptedStop != nil {
            self.advance(key, now: now, countingRead: false)
        }
    }

    /// The answer to a stop that passed validation: `scripted` if there is one, else 404 for a missing task, 409 for
    /// one not running, else `defaultAnswer`. A 204 (scripted or not) makes a `RUNNING` task `STOPPING`.
    mutating func stop(
        _ taskID: String, scripted: ScriptedAnswer?, defaultAnswer: ScriptedAnswer, now: Date
    ) -> ScriptedAnswer {
        let lookup = self.lookup(taskID, now: now)
        if case .known(let key) = lookup { self.advance(key, now: now, countingRead: false) }
        let answer: ScriptedAnswer
        if let scripted {
            answer = scripted
        } else {
            switch lookup {
            case .missing:
                return Self.notFound
            case .unknown:
                return defaultAnswer
            case .known(let key):
                if let status = self.entries[key]?.task.status, Self.notRunning.contains(status) {
                    return .status(409, detail: "Task is not in a running state.")
                }
                answer = defaultAnswer
            }
        }
        if answer.finalStatus == 204, case .known(let key) = lookup, self.entries[key]?.task.status == "RUNNING" {
            self.setStatus(key, "STOPPING", now: now)
            self.entries[key]?.acceptedStop = AcceptedStop(at: now)
        }
        return answer
    }

    /// The answer to a task read that passed validation: the next scripted read answer unless it is a 2xx; else
    /// (within the scripted answer's delay or hold, if any) the task as the registry has it after its next scripted
    /// status or its stop progression, or 404.
    mutating func read(_ taskID: String, now: Date) -> Answer {
        let lookup = self.lookup(taskID, now: now)
        let key = taskID.lowercased()
        var scripted: ScriptedAnswer?
        if var answers = self.readScripts[key], !answers.isEmpty {
            scripted = answers.removeFirst()
            self.readScripts[key] = answers.isEmpty ? nil : answers
        }
        if let scripted, !scripted.answersFromRegistry {
            return Answer(answer: scripted)
        }
        var own: Answer
        switch lookup {
        case .missing, .unknown:
            own = Answer(answer: Self.notFound)
        case .known(let key):
            if var statuses = self.statusScripts[key], !statuses.isEmpty {
                let status = statuses.removeFirst()
                self.statusScripts[key] = statuses.isEmpty ? nil : statuses
                self.setStatus(key, status, now: now)
            } else {
                self.advance(key, now: now, countingRead: true)
            }
            let task = self.entries[key]!.task
            own = Answer(answer: .status(200), body: task.json(summary: false), taskStatus: task.status)
        }
        if let scripted {
            own.answer = scripted.replacingFinal(with: own.answer)
        }
        return own
    }

    /// 404 with Maia's detail.
    static let notFound: ScriptedAnswer = .status(404, detail: "Task not found.")

    static func seconds(_ duration: Duration) -> Double {
        let components = duration.components
        return Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

extension ScriptedAnswer {
    /// On a read or a list page, a 2xx means "answer from the registry".
    var answersFromRegistry: Bool {
        guard let status = self.finalStatus else { return false }
        return (200..<300).contains(status)
    }

    /// This answer with its final status replaced by `answer`, keeping any delay or hold around it.
    func replacingFinal(with answer: ScriptedAnswer) -> ScriptedAnswer {
        switch self {
        case .delayed(let delay, let inner):
            return .delayed(delay, inner.replacingFinal(with: answer))
        case .held(let inner):
            return .held(inner.replacingFinal(with: answer))
        case .status, .dropConnection:
            return answer
        }
    }
}
