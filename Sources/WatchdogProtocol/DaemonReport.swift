/// The `daemon` object of a `status` response, as the socket carries it.
///
/// The daemon fills every field from its `DaemonStatus`; `maia-watchdogctl` decodes it leniently (a
/// field that is missing or of an unexpected type reads as `nil`). Times are kept as their RFC 3339
/// text.
public struct DaemonReport: Sendable, Equatable, Decodable {
    /// The policy in force.
    public struct Policy: Sendable, Equatable, Decodable {
        public var path: String?
        /// RFC 3339.
        public var loadedAt: String?

        public init(path: String?, loadedAt: String?) {
            self.path = path
            self.loadedAt = loadedAt
        }

        private enum CodingKeys: String, CodingKey {
            case path
            case loadedAt = "loaded_at"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            path = container.lenient(String.self, .path)
            loadedAt = container.lenient(String.self, .loadedAt)
        }
    }

    /// The Maia API the daemon calls.
    public struct API: Sendable, Equatable, Decodable {
        public var baseURL: String?
        public var token: TokenHealth?

        public init(baseURL: String?, token: TokenHealth?) {
            self.baseURL = baseURL
            self.token = token
        }

        private enum CodingKeys: String, CodingKey {
            case token
            case baseURL = "base_url"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            baseURL = container.lenient(String.self, .baseURL)
            token = container.lenient(TokenHealth.self, .token)
        }
    }

    /// The breaker of `[safety]`.
    public struct Breaker: Sendable, Equatable, Decodable {
        /// `closed` or `open`, as sent.
        public var state: String?
        /// RFC 3339; `nil` while closed.
        public var openedAt: String?
        /// How many tasks it holds.
        public var held: Int?

        public init(state: String?, openedAt: String?, held: Int?) {
            self.state = state
            self.openedAt = openedAt
            self.held = held
        }

        private enum CodingKeys: String, CodingKey {
            case state, held
            case openedAt = "opened_at"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            state = container.lenient(String.self, .state)
            openedAt = container.lenient(String.self, .openedAt)
            held = container.lenient(Int.self, .held)
        }
    }

    /// `[discover]`: whether it runs and how its last pass went.
    public struct Discovery: Sendable, Equatable, Decodable {
        public var enabled: Bool?
        /// RFC 3339: when the last pass that did not fail ended; `nil` before any.
        public var lastPassAt: String?
        /// Why the last pass failed; `nil` when it did not.
        public var lastError: String?

        public init(enabled: Bool?, lastPassAt: String?, lastError: String?) {
            self.enabled = enabled
            self.lastPassAt = lastPassAt
            self.lastError = lastError
        }

        private enum CodingKeys: String, CodingKey {
            case enabled
            case lastPassAt = "last_pass_at"
            case lastError = "last_error"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            enabled = container.lenient(Bool.self, .enabled)
            lastPassAt = container.lenient(String.self, .lastPassAt)
            lastError = container.lenient(String.self, .lastError)
        }
    }

    /// The task store.
    public struct Store: Sendable, Equatable, Decodable {
        /// How many times the store file was found deleted or replaced and written afresh.
        public var recreated: Int?

        public init(recreated: Int?) {
            self.recreated = recreated
        }

        private enum CodingKeys: String, CodingKey {
            case recreated
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            recreated = container.lenient(Int.self, .recreated)
        }
    }

    public var version: String?
    /// `uptime_s`.
    public var uptimeSeconds: Int?
    public var policy: Policy?
    /// Tracked tasks per state. The daemon writes every state of ``TaskState/tracked``, in that
    /// order; a state this version does not know is left out when decoding.
    public var counts: [TaskState: Int]?
    public var dryRun: Bool?
    public var api: API?
    public var breaker: Breaker?
    public var discovery: Discovery?
    public var store: Store?

    public init(
        version: String?, uptimeSeconds: Int?, policy: Policy?, counts: [TaskState: Int]?, dryRun: Bool?, api: API?,
        breaker: Breaker? = nil, discovery: Discovery? = nil, store: Store?
    ) {
        self.version = version
        self.uptimeSeconds = uptimeSeconds
        self.policy = policy
        self.counts = counts
        self.dryRun = dryRun
        self.api = api
        self.breaker = breaker
        self.discovery = discovery
        self.store = store
    }

    private enum CodingKeys: String, CodingKey {
        case version, policy, counts, api, breaker, discovery, store
        case uptimeSeconds = "uptime_s"
        case dryRun = "dry_run"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        version = container.lenient(String.self, .version)
        uptimeSeconds = container.lenient(Int.self, .uptimeSeconds)
        policy = container.lenient(Policy.self, .policy)
        counts = container.lenient([String: Int].self, .counts).map { counts in
            Dictionary(
                uniqueKeysWithValues: counts.compactMap { name, count in TaskState(rawValue: name).map { ($0, count) } }
            )
        }
        dryRun = container.lenient(Bool.self, .dryRun)
        api = container.lenient(API.self, .api)
        breaker = container.lenient(Breaker.self, .breaker)
        discovery = container.lenient(Discovery.self, .discovery)
        store = container.lenient(Store.self, .store)
    }
}
