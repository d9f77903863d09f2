/// A task record as the daemon reports it.
struct TaskReport: Decodable {
    let id: String?
    let state: String?
    let watchedAt: String?
    /// `nil` when the task is exempt (or the field is missing).
    let deadline: String?
    /// `nil` when the task is exempt (or the field is missing).
    let maxRuntimeSeconds: Double?
    let attempts: Int?
    let lastHTTPStatus: Int?
    let lastError: String?
    let updatedAt: String?
    let requestedBy: Requester?

    /// Who asked for the task to be watched.
    struct Requester: Decodable {
        let uid: Int?
        let pid: Int?

        private enum CodingKeys: String, CodingKey {
            case uid, pid
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            uid = container.lenient(Int.self, .uid)
            pid = container.lenient(Int.self, .pid)
        }
    }

    private enum CodingKeys: String, CodingKey {
        case id, state, deadline, attempts
        case watchedAt = "watched_at"
        case maxRuntimeSeconds = "max_runtime_s"
        case lastHTTPStatus = "last_http_status"
        case lastError = "last_error"
        case updatedAt = "updated_at"
        case requestedBy = "requested_by"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = container.lenient(String.self, .id)
        state = container.lenient(String.self, .state)
        watchedAt = container.lenient(String.self, .watchedAt)
        deadline = container.lenient(String.self, .deadline)
        maxRuntimeSeconds = container.lenient(Double.self, .maxRuntimeSeconds)
        attempts = container.lenient(Int.self, .attempts)
        lastHTTPStatus = container.lenient(Int.self, .lastHTTPStatus)
        lastError = container.lenient(String.self, .lastError)
        updatedAt = container.lenient(String.self, .updatedAt)
        requestedBy = container.lenient(Requester.self, .requestedBy)
    }
}
