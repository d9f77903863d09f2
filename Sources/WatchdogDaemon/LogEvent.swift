import Logging
import WatchdogCore

/// The `MAIA_EVENT` values and the metadata keys the journal maps to `MAIA_*` fields
/// (`task.id` → `MAIA_TASK_ID`).
public enum LogEvent: String, Sendable {
    case watch
    case forget
    case deadline
    case stopAttempt = "stop_attempt"
    case stopResult = "stop_result"
    case wouldStop = "would_stop"
    case refused
    case expired
    case policyLoaded = "policy_loaded"
    case policyRejected = "policy_rejected"
    case tokenRefreshed = "token_refreshed"
    case started
    case stopping
}

extension Logger.Metadata {
    /// Metadata for one event about one task.
    static func event(_ event: LogEvent, task: TaskRecord? = nil) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["event": .string(event.rawValue)]
        if let task {
            metadata["task.id"] = .string(task.id.rawValue)
            metadata["state"] = .string(task.state.rawValue)
        }
        return metadata
    }
}
