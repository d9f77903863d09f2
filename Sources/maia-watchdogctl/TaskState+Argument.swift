import ArgumentParser
import WatchdogProtocol

/// `list --state` takes the states a tracked record can be in (``TaskState/tracked``), nothing else.
extension TaskState: ExpressibleByArgument {
    public init?(argument: String) {
        guard let state = TaskState(rawValue: argument), TaskState.tracked.contains(state) else { return nil }
        self = state
    }

    public static var allValueStrings: [String] { tracked.map(\.rawValue) }
}
