import ArgumentParser

/// The task states `list --state` accepts: the states a tracked record can be in.
enum TaskStateFilter: String, CaseIterable, ExpressibleByArgument {
    case watching
    case stopping
    case stopRequested = "stop_requested"
    case notRunning = "not_running"
    case notFound = "not_found"
    case rejected
    case gaveUp = "gave_up"
    case dryRun = "dry_run"
}
