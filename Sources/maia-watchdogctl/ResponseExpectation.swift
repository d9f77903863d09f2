/// What a successful response must carry for a request.
enum ResponseExpectation: Equatable {
    /// `"task": TASK` (watch, stop, forget, status TASK_ID).
    case task
    /// `"tasks": [TASK]` (list), possibly filtered by a state.
    case tasks(state: String?)
    /// `"daemon": {...}` (status).
    case daemon

    /// The name of the field a successful response carries.
    var field: String {
        switch self {
        case .task: "task"
        case .tasks: "tasks"
        case .daemon: "daemon"
        }
    }
}
