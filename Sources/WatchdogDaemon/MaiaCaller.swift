import FoundationEssentials
import Glibc
import MaiaClient
import WatchdogCore
import WatchdogProtocol

/// Makes the enforcer's calls to Maia (one stop attempt, one task read) and reports each as the state machine
/// needs it.
public protocol MaiaCaller: Sendable {
    func stop(_ id: TaskID, freshToken: Bool) async -> StopOutcome
    func read(_ id: TaskID, freshToken: Bool) async -> ReadOutcome
    /// One page of Maia's running tasks, for discovery.
    func list(_ page: Discovery.Page) async -> ListOutcome
    /// For `status`: whether a usable token is held.
    func tokenHealth() async -> DaemonStatus.TokenHealth
}

/// The production caller: the stop and the task read through `MaiaAPIClient`, and the one place where the client's
/// `MaiaOutcome` becomes the state machine's `StopOutcome` or `ReadOutcome`: `Retry-After` turned into an instant on
/// the enforcer's clock, the ProblemDetail folded into one line for the record. The token's health follows the
/// client's verdicts (a 401 makes it `failing`, any other answer `ok`).
public struct MaiaAPICaller: MaiaCaller {
    let client: MaiaAPIClient
    let clock: any WallClock
    let health: TokenHealthTracker

    public init(client: MaiaAPIClient, clock: any WallClock, health: TokenHealthTracker) {
        self.client = client.reportingTokenVerdicts { accepted in health.set(accepted ? .ok : .failing) }
        self.clock = clock
        self.health = health
    }

    public func stop(_ id: TaskID, freshToken: Bool) async -> StopOutcome {
        Self.outcome(await client.stop(taskID: id.rawValue, freshToken: freshToken), now: clock.now())
    }

    public func read(_ id: TaskID, freshToken: Bool) async -> ReadOutcome {
        let outcome = await client.send(MaiaEndpoint<AgentTask>.task(id: id.rawValue), freshToken: freshToken)
        if case .succeeded(_, let task) = outcome {
            return .task(status: task.status.description, createdAt: task.createdAt)
        }
        switch Self.outcome(outcome, now: clock.now()) {
        case .answered(let status, let notBefore, let detail):
            return .answered(status: status, retryNotBefore: notBefore, detail: detail)
        case .failed(let reason):
            return .failed(reason: reason)
        }
    }

    public func list(_ page: Discovery.Page) async -> ListOutcome {
        let endpoint = MaiaEndpoint<AgentTaskPage>.runningTasks(
            page: page.number, size: page.size, projectID: page.project)
        let outcome = await client.send(endpoint, freshToken: page.freshToken)
        if case .succeeded(_, let listed) = outcome { return .page(Self.listed(listed)) }
        switch Self.outcome(outcome, now: clock.now()) {
        case .answered(let status, let notBefore, let detail):
            return .answered(status: status, retryNotBefore: notBefore, detail: detail)
        case .failed(let reason):
            return .failed(reason: reason)
        }
    }

    /// A page as discovery sees it: the running tasks (RUNNING, or a status the daemon does not know, treated
    /// alike), with the IDs that are no UUID set apart.
    static func listed(_ page: AgentTaskPage) -> ListedPage {
        var running: [TaskID] = []
        var malformed: [String] = []
        for item in page.tasks {
            switch item.status {
            case .running, .unknown: break
            case .stopping, .stopped, .errored: continue
            }
            guard let id = TaskID(item.taskID) else {
                malformed.append(item.taskID)
                continue
            }
            running.append(id)
        }
        return ListedPage(running: running, items: page.tasks.count, total: page.total, malformedIDs: malformed)
    }

    /// The daemon's view of a client outcome that arrived at `now`.
    static func outcome<Success>(_ outcome: MaiaOutcome<Success>, now: Date) -> StopOutcome {
        switch outcome {
        case .succeeded(let status, _):
            return .answered(status: status, retryNotBefore: nil, detail: nil)
        case .answered(let status, let retryAfter, let problem):
            return .answered(
                status: status, retryNotBefore: retryAfter?.notBefore(now: now), detail: problem.flatMap(Self.summary))
        case .failed(let reason):
            return .failed(reason: reason)
        }
    }

    public func tokenHealth() async -> DaemonStatus.TokenHealth { health.value }

    /// `detail` and `violations` of a ProblemDetail as one line.
    static func summary(_ problem: ProblemDetail) -> String? {
        var parts: [String] = []
        if let detail = problem.detail, !detail.isEmpty {
            parts.append(detail)
        } else if let title = problem.title, !title.isEmpty {
            parts.append(title)
        }
        if let violations = problem.violations, !violations.isEmpty {
            parts.append("violations: " + violations.joined(separator: "; "))
        }
        return parts.isEmpty ? nil : parts.joined(separator: " — ")
    }
}

/// Used in a dry run without credentials: the state machine never asks it to stop anything, and reads nothing
/// (`Enforcer(readsTasks: false)`).
public struct DryRunCaller: MaiaCaller {
    let hasToken: Bool

    public init(hasToken: Bool) {
        self.hasToken = hasToken
    }

    public func stop(_ id: TaskID, freshToken: Bool) async -> StopOutcome {
        .failed(reason: "dry run: no stop call is made")
    }

    public func read(_ id: TaskID, freshToken: Bool) async -> ReadOutcome {
        .failed(reason: "dry run without credentials: no task is read")
    }

    public func list(_ page: Discovery.Page) async -> ListOutcome {
        .failed(reason: "dry run without credentials: no task can be listed")
    }

    public func tokenHealth() async -> DaemonStatus.TokenHealth { hasToken ? .ok : .missing }
}
