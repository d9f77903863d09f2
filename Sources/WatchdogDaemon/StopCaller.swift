import FoundationEssentials
import Glibc
import MaiaClient
import WatchdogCore
import WatchdogProtocol

/// Makes one stop attempt and reports it as the state machine needs it.
public protocol StopCaller: Sendable {
    func stop(_ id: TaskID, freshToken: Bool) async -> StopOutcome
    /// For `status`: whether a usable token is held.
    func tokenHealth() async -> DaemonStatus.TokenHealth
}

/// The production caller: `MaiaStopClient` over HTTP, with `Retry-After` turned into an instant
/// on the enforcer's clock and the ProblemDetail folded into one line for the record.
public struct MaiaStopCaller: StopCaller {
    let client: MaiaStopClient
    let clock: any WallClock
    let health: TokenHealthTracker

    public init(client: MaiaStopClient, clock: any WallClock, health: TokenHealthTracker) {
        self.client = client
        self.clock = clock
        self.health = health
    }

    public func stop(_ id: TaskID, freshToken: Bool) async -> StopOutcome {
        let answer = await client.stop(taskID: id.rawValue, freshToken: freshToken)
        switch answer {
        case .answered(let status, let retryAfter, let problem):
            health.set(status == 401 ? .failing : .ok)
            return .answered(
                status: status,
                retryNotBefore: retryAfter?.notBefore(now: clock.now()),
                detail: problem.flatMap(Self.summary))
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

/// Used in dry run: the state machine never asks it to stop anything.
public struct DryRunStopCaller: StopCaller {
    let hasToken: Bool

    public init(hasToken: Bool) {
        self.hasToken = hasToken
    }

    public func stop(_ id: TaskID, freshToken: Bool) async -> StopOutcome {
        .failed(reason: "dry run: no stop call is made")
    }

    public func tokenHealth() async -> DaemonStatus.TokenHealth { hasToken ? .ok : .missing }
}
