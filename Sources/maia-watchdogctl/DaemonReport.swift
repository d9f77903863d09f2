/// The daemon's status, answering a bare `status`.
struct DaemonReport: Decodable {
    let version: String?
    let uptimeSeconds: Double?
    let policy: Policy?
    /// Tracked tasks per state.
    let counts: [String: Int]?
    let dryRun: Bool?
    let api: API?

    /// The policy in force.
    struct Policy: Decodable {
        let path: String?
        let loadedAt: String?

        private enum CodingKeys: String, CodingKey {
            case path
            case loadedAt = "loaded_at"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            path = container.lenient(String.self, .path)
            loadedAt = container.lenient(String.self, .loadedAt)
        }
    }

    /// The Maia API the daemon calls.
    struct API: Decodable {
        let baseURL: String?
        /// `ok`, `missing` or `failing`.
        let token: String?

        private enum CodingKeys: String, CodingKey {
            case token
            case baseURL = "base_url"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            baseURL = container.lenient(String.self, .baseURL)
            token = container.lenient(String.self, .token)
        }
    }

    private enum CodingKeys: String, CodingKey {
        case version, policy, counts, api
        case uptimeSeconds = "uptime_s"
        case dryRun = "dry_run"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        version = container.lenient(String.self, .version)
        uptimeSeconds = container.lenient(Double.self, .uptimeSeconds)
        policy = container.lenient(Policy.self, .policy)
        counts = container.lenient([String: Int].self, .counts)
        dryRun = container.lenient(Bool.self, .dryRun)
        api = container.lenient(API.self, .api)
    }
}
