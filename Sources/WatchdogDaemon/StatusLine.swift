import WatchdogCore
import WatchdogProtocol

/// The STATUS= text: `watching 12, stopping 1`.
enum StatusLine {
    static func text(counts: [TaskState: Int]) -> String {
        let parts = TaskState.allCases.compactMap { state -> String? in
            guard let count = counts[state], count > 0 else { return nil }
            return "\(state.rawValue) \(count)"
        }
        return parts.isEmpty ? "idle, no tasks tracked" : parts.joined(separator: ", ")
    }
}
