/// One response line of the control protocol, decoded leniently: unknown fields are ignored,
/// and a field of an unexpected type reads as absent. Only `ok` is required.
struct ControlResponse: Decodable {
    /// `true` on success, `false` when the daemon refused.
    let ok: Bool
    /// The error code of a refusal (`bad_request`, `invalid_task_id`, `not_allowed`, ...).
    let error: String?
    /// The human text of a refusal.
    let message: String?
    /// The record answering `watch`, `stop`, `forget` and `status TASK_ID`.
    let task: TaskReport?
    /// The records answering `list`.
    let tasks: [TaskReport]?
    /// The daemon's own status, answering `status`.
    let daemon: DaemonReport?

    private enum CodingKeys: String, CodingKey {
        case ok, error, message, task, tasks, daemon
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        ok = try container.decode(Bool.self, forKey: .ok)
        error = container.lenient(String.self, .error)
        message = container.lenient(String.self, .message)
        task = container.lenient(TaskReport.self, .task)
        tasks = container.lenient([TaskReport].self, .tasks)
        daemon = container.lenient(DaemonReport.self, .daemon)
    }
}
