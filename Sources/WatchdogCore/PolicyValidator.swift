import WatchdogProtocol

/// Walks a parsed policy table, collecting every problem and building the `Policy` when there are none.
///
/// Each key is checked on its own, so one mistake never hides another; checks that relate two keys
/// (`limits` against `allow`, `max_backoff` against `initial_backoff`) run only when both sides are valid, so
/// one mistake is not reported twice.
struct PolicyValidator {
    let path: String
    /// The parsed file, which also says where each key was written.
    let document: TOMLTable
    private(set) var problems: [PolicyProblem] = []

    init(path: String, document: TOMLTable) {
        self.path = path
        self.document = document
    }

    /// Problems by line; those on one line keep the order in which they were found.
    var sortedProblems: [PolicyProblem] {
        problems.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }.map(\.element)
    }

    // MARK: - The schema

    /// The top level's keys and tables, and each table's keys: from `PolicySchema`, where every key is declared.
    static let topLevelKeys = PolicySchema.names(in: nil) + PolicySchema.sections
    static let sectionKeys: [String: [String]] = Dictionary(
        uniqueKeysWithValues: PolicySchema.sections.map { ($0, PolicySchema.names(in: $0)) })
    static let regions = [
        "eu1": "https://eu1.api.matillion.com/dpc",
        "us1": "https://us1.api.matillion.com/dpc",
    ]
    static let maiaRequestsPerMinute = 1000
    static let credentialsHint =
        "secrets belong in systemd credentials (maia-client-id and maia-client-secret, or maia-token, "
        + "in $CREDENTIALS_DIRECTORY), never in the policy file"

    // MARK: - The walk

    /// The policy, or `nil` when anything was reported.
    mutating func policy() -> Policy? {
        let root = document
        checkUnknownKeys(in: root, at: PolicyKeyPath(), known: Self.topLevelKeys)
        let maxRuntime = span(
            in: root, "max_runtime", at: PolicyKeyPath(), rule: .limit(zeroHint: #"use "infinity" for no limit"#))
        let allow = allowlist(in: root)
        let dryRun = bool(in: root, "dry_run", at: PolicyKeyPath())
        let retention = span(in: root, "retention", at: PolicyKeyPath(), rule: .finiteNonNegative)
        let limits = limits(in: root, allow: allow)
        let api = api(in: root)
        let auth = auth(in: root)
        let retry = retry(in: root)
        let socket = socket(in: root)
        let origin = runtimeOrigin(in: root)
        let confirm = confirm(in: root)
        let safety = safety(in: root)
        let discover = discover(in: root)
        let metrics = metrics(in: root)

        guard problems.isEmpty, let allow else { return nil }
        var policy = Policy(
            allow: allow, limits: limits, api: api, auth: auth, retry: retry, socket: socket, confirm: confirm,
            safety: safety, discover: discover, metrics: metrics)
        if let origin { policy.runtimeOrigin = origin }
        if let maxRuntime { policy.maxRuntime = maxRuntime }
        if let dryRun { policy.dryRun = dryRun }
        if let retention = retention?.duration { policy.retention = retention }
        return policy
    }

    private mutating func allowlist(in root: TOMLTable) -> Policy.Allowlist? {
        let path = PolicyKeyPath("allow")
        guard let value = root["allow"] else {
            report(
                path, #"required key is missing; write allow = ["*"] to admit every task, or list task UUIDs"#,
                line: 1)
            return nil
        }
        guard let array = value.array else {
            report(path, #"expected an array such as ["*"] or a list of task UUIDs, got \#(value.kindDescription)"#)
            return nil
        }
        guard !array.isEmpty else {
            report(path, #"must not be empty; write ["*"] to admit every task, or list task UUIDs"#)
            return nil
        }
        var valid = true
        var wildcards = 0
        var ids: Set<TaskID> = []
        for (index, element) in array.enumerated() {
            let elementPath = path.appending(index: index)
            guard let text = element.string else {
                report(elementPath, "expected a string, got \(element.kindDescription)")
                valid = false
                continue
            }
            if text == "*" {
                wildcards += 1
            } else if let id = TaskID(text) {
                ids.insert(id)
            } else {
                report(elementPath, "\(quotedForMessage(text)) is not a task UUID (8-4-4-4-12 hex digits)")
                valid = false
            }
        }
        if wildcards > 0, wildcards < array.count {
            report(path, #""*" cannot be combined with task UUIDs; use ["*"] alone, or list task UUIDs only"#)
            valid = false
        }
        guard valid else { return nil }
        return wildcards > 0 ? .everyTask : .only(ids)
    }

    private mutating func limits(in root: TOMLTable, allow: Policy.Allowlist?) -> [TaskID: TimeSpan] {
        let path = PolicyKeyPath("limits")
        guard let table = section(in: root, "limits") else { return [:] }
        var limits: [TaskID: TimeSpan] = [:]
        var keyForTask: [TaskID: String] = [:]
        // In file order (the table keeps it), so that of two keys naming one task, the second is the duplicate.
        for entry in table.entries {
            let (key, value) = (entry.key, entry.value)
            let entryPath = path.appending(key)
            let id = TaskID(key)
            if id == nil {
                report(entryPath, "\(quotedForMessage(key)) is not a task UUID (8-4-4-4-12 hex digits)")
            }
            let limit = span(value, at: entryPath, rule: .limit(zeroHint: #"use "infinity" to exempt the task"#))
            guard let id else { continue }
            if let first = keyForTask[id] {
                report(
                    entryPath,
                    "duplicate limit: limits.\(PolicyKeyPath.render(key: first)) names the same task "
                        + "(task IDs ignore letter case)")
                continue
            }
            keyForTask[id] = key
            if let allow, !allow.admits(id) {
                report(entryPath, "task is not in allow, so this limit could never apply")
            }
            if let limit { limits[id] = limit }
        }
        return limits
    }

    private mutating func api(in root: TOMLTable) -> Policy.APIConfiguration {
        var configuration = Policy.APIConfiguration()
        let path = PolicyKeyPath("api")
        guard let table = section(in: root, "api") else { return configuration }
        checkUnknownKeys(in: table, at: path, known: Self.sectionKeys["api", default: []])

        var regionURL: String?
        if let region = string(in: table, "region", at: path) {
            if let url = Self.regions[region] {
                regionURL = url
            } else {
                report(path.appending("region"), #"must be "eu1" or "us1", got \#(quotedForMessage(region))"#)
            }
        }
        var baseURL: String?
        if table["base_url"] != nil, table["region"] != nil {
            report(path.appending("base_url"), "cannot be combined with api.region; set one or the other")
        }
        if let text = string(in: table, "base_url", at: path) {
            baseURL = url(text, at: path.appending("base_url"), isBaseURL: true)
        }
        if let url = baseURL ?? regionURL { configuration.baseURL = url }

        if let timeout = span(in: table, "request_timeout", at: path, rule: .finitePositive)?.duration {
            configuration.requestTimeout = timeout
        }
        if let rate = integer(in: table, "max_requests_per_minute", at: path) {
            if (1...Int64(Self.maiaRequestsPerMinute)).contains(rate) {
                configuration.maxRequestsPerMinute = Int(rate)
            } else if rate == 0, baseURL.map(EndpointURL.hasLoopbackHost) == true {
                // No client-side limit: only for a loopback endpoint (a stand-in, or a local proxy that limits).
                configuration.maxRequestsPerMinute = 0
            } else if rate == 0 {
                report(
                    path.appending("max_requests_per_minute"),
                    "0 (no limit) is allowed only with a loopback api.base_url; Maia allows "
                        + "\(Self.maiaRequestsPerMinute) requests a minute")
            } else {
                report(
                    path.appending("max_requests_per_minute"),
                    "must be between 1 and \(Self.maiaRequestsPerMinute) "
                        + "(Maia allows \(Self.maiaRequestsPerMinute) requests a minute), got \(rate)")
            }
        }
        if let inFlight = integer(in: table, "max_in_flight", at: path) {
            if inFlight >= 1 {
                // TOML integers are 64-bit, as `Int` is on every platform the daemon runs on.
                configuration.maxInFlight = Int(exactly: inFlight) ?? .max
            } else {
                report(path.appending("max_in_flight"), "must be at least 1, got \(inFlight)")
            }
        }
        return configuration
    }

    private mutating func auth(in root: TOMLTable) -> Policy.AuthConfiguration {
        var configuration = Policy.AuthConfiguration()
        let path = PolicyKeyPath("auth")
        guard let table = section(in: root, "auth") else { return configuration }
        checkUnknownKeys(in: table, at: path, known: Self.sectionKeys["auth", default: []])
        if let text = string(in: table, "token_url", at: path),
            let url = url(text, at: path.appending("token_url"), isBaseURL: false)
        {
            configuration.tokenURL = url
        }
        if let text = string(in: table, "audience", at: path),
            let url = url(text, at: path.appending("audience"), isBaseURL: false)
        {
            configuration.audience = url
        }
        return configuration
    }

    private mutating func retry(in root: TOMLTable) -> Policy.RetryConfiguration {
        var configuration = Policy.RetryConfiguration()
        let path = PolicyKeyPath("retry")
        guard let table = section(in: root, "retry") else { return configuration }
        checkUnknownKeys(in: table, at: path, known: Self.sectionKeys["retry", default: []])

        (configuration.initialBackoff, configuration.maxBackoff) = orderedSpans(
            in: table, at: path, "initial_backoff", "max_backoff",
            defaults: (configuration.initialBackoff, configuration.maxBackoff))

        if let value = table["multiplier"] {
            let keyPath = path.appending("multiplier")
            let number = value.float ?? value.integer.map(Double.init)
            if let number {
                if !number.isFinite {
                    report(keyPath, "must be a finite number, got \(number)")
                } else if number < 1 {
                    report(keyPath, "must be at least 1.0, got \(number)")
                } else {
                    configuration.multiplier = number
                }
            } else {
                report(keyPath, "expected a number, got \(value.kindDescription)")
            }
        }
        if let giveUp = span(in: table, "give_up_after", at: path, rule: .finitePositive)?.duration {
            configuration.giveUpAfter = giveUp
        }
        return configuration
    }

    private mutating func socket(in root: TOMLTable) -> Policy.SocketConfiguration {
        var configuration = Policy.SocketConfiguration()
        let path = PolicyKeyPath("socket")
        guard let table = section(in: root, "socket") else { return configuration }
        checkUnknownKeys(in: table, at: path, known: Self.sectionKeys["socket", default: []])
        if let ids = ids(in: table, "allowed_uids", at: path) { configuration.allowedUIDs = ids }
        if let ids = ids(in: table, "allowed_gids", at: path) { configuration.allowedGIDs = ids }
        if let ids = ids(in: table, "extend_uids", at: path) { configuration.extendUIDs = ids }
        return configuration
    }

    // MARK: - Values

    /// Two finite spans above 0 of which the first is a floor of the second (`initial_backoff` ≤ `max_backoff`,
    /// `first_check` ≤ `max_interval`), each as written or defaulted. The order is checked only when both are valid,
    /// and reported at the key that was written (the second when both were), so one mistake is not reported twice.
    mutating func orderedSpans(
        in table: TOMLTable, at path: PolicyKeyPath, _ lowerKey: String, _ upperKey: String,
        defaults: (Duration, Duration)
    ) -> (Duration, Duration) {
        let lower = span(in: table, lowerKey, at: path, rule: .finitePositive)?.duration
        let upper = span(in: table, upperKey, at: path, rule: .finitePositive)?.duration
        let lowerIsValid = lower != nil || table[lowerKey] == nil
        let upperIsValid = upper != nil || table[upperKey] == nil
        let result = (lower ?? defaults.0, upper ?? defaults.1)
        if lowerIsValid, upperIsValid, result.1 < result.0 {
            if upper != nil {
                report(path.appending(upperKey), "must be at least \(path).\(lowerKey) (\(TimeSpan.finite(result.0)))")
            } else {
                report(
                    path.appending(lowerKey),
                    "must not be longer than \(path).\(upperKey) (\(TimeSpan.finite(result.1)), the default)")
            }
        }
        return result
    }

    enum SpanRule {
        /// A runtime limit: longer than 0, or `infinity`.
        case limit(zeroHint: String)
        /// Finite and longer than 0.
        case finitePositive
        /// Finite, 0 allowed.
        case finiteNonNegative
    }

    mutating func span(
        in table: TOMLTable, _ key: String, at parent: PolicyKeyPath, rule: SpanRule
    ) -> TimeSpan? {
        guard let value = table[key] else { return nil }
        return span(value, at: parent.appending(key), rule: rule)
    }

    private mutating func span(_ value: TOMLValue, at path: PolicyKeyPath, rule: SpanRule) -> TimeSpan? {
        guard let text = value.string else {
            report(path, #"expected a time span string such as "15s" or "45min", got \#(value.kindDescription)"#)
            return nil
        }
        let span: TimeSpan
        do {
            span = try TimeSpan(parsing: text)
        } catch {
            report(path, "\(quotedForMessage(text)) is not a valid time span: \(error)")
            return nil
        }
        switch (rule, span) {
        case (.limit, .infinity):
            return span
        case (_, .infinity):
            report(path, #"must be finite, not "infinity""#)
            return nil
        case (.limit(let hint), .finite(let duration)) where duration <= .zero:
            report(path, "must be longer than 0 (\(hint))")
            return nil
        case (.finitePositive, .finite(let duration)) where duration <= .zero:
            report(path, "must be longer than 0")
            return nil
        default:
            return span
        }
    }

    mutating func string(in table: TOMLTable, _ key: String, at parent: PolicyKeyPath) -> String? {
        guard let value = table[key] else { return nil }
        guard let text = value.string else {
            report(parent.appending(key), "expected a string, got \(value.kindDescription)")
            return nil
        }
        return text
    }

    mutating func bool(in table: TOMLTable, _ key: String, at parent: PolicyKeyPath) -> Bool? {
        guard let value = table[key] else { return nil }
        guard let flag = value.boolean else {
            report(parent.appending(key), "expected true or false, got \(value.kindDescription)")
            return nil
        }
        return flag
    }

    mutating func integer(in table: TOMLTable, _ key: String, at parent: PolicyKeyPath) -> Int64? {
        guard let value = table[key] else { return nil }
        guard let number = value.integer else {
            report(parent.appending(key), "expected an integer, got \(value.kindDescription)")
            return nil
        }
        return number
    }

    /// The array at `key`, each element checked by `element`, which reports what it refuses (at the element's path)
    /// and returns `nil`; it is given the elements accepted so far. `nil` when the key is absent, is no array
    /// (reported: "expected an array of `what`"), or any element was refused: every element is checked either way.
    mutating func array<Element>(
        in table: TOMLTable, _ key: String, at parent: PolicyKeyPath, of what: String,
        _ element: (inout PolicyValidator, TOMLValue, PolicyKeyPath, [Element]) -> Element?
    ) -> [Element]? {
        guard let value = table[key] else { return nil }
        let path = parent.appending(key)
        guard let array = value.array else {
            report(path, "expected an array of \(what), got \(value.kindDescription)")
            return nil
        }
        var elements: [Element] = []
        var valid = true
        for (index, item) in array.enumerated() {
            if let accepted = element(&self, item, path.appending(index: index), elements) {
                elements.append(accepted)
            } else {
                valid = false
            }
        }
        return valid ? elements : nil
    }

    /// A list of numeric user or group IDs.
    private mutating func ids(in table: TOMLTable, _ key: String, at parent: PolicyKeyPath) -> [UInt32]? {
        array(in: table, key, at: parent, of: "numeric IDs") { validator, element, path, _ in
            guard let number = element.integer else {
                validator.report(path, "expected a numeric ID, got \(element.kindDescription)")
                return nil
            }
            guard let id = UInt32(exactly: number) else {
                validator.report(path, "must be between 0 and \(UInt32.max), got \(number)")
                return nil
            }
            return id
        }
    }

    private mutating func url(_ text: String, at path: PolicyKeyPath, isBaseURL: Bool) -> String? {
        switch EndpointURL.check(text, isBaseURL: isBaseURL) {
        case .success(let url):
            return url
        case .failure(let problem):
            report(path, problem.message)
            return nil
        }
    }

    /// A `[table]`; anything else under that key is reported.
    mutating func section(in root: TOMLTable, _ key: String) -> TOMLTable? {
        guard let value = root[key] else { return nil }
        guard let table = value.table else {
            report(PolicyKeyPath(key), "expected a table, got \(value.kindDescription)")
            return nil
        }
        return table
    }

    // MARK: - Unknown keys

    mutating func checkUnknownKeys(in table: TOMLTable, at path: PolicyKeyPath, known: [String]) {
        for key in table.keys where !known.contains(key) {
            let isTable = table[key]?.table != nil
            report(path.appending(key), unknownKeyMessage(key, isTable: isTable, in: path, known: known))
        }
    }

    /// Says where a misplaced key belongs or which key was meant; never repeats the value, which could be a secret.
    private func unknownKeyMessage(_ key: String, isTable: Bool, in path: PolicyKeyPath, known: [String]) -> String {
        if path == PolicyKeyPath("auth") {
            return "not allowed: [auth] takes only token_url and audience; " + Self.credentialsHint
        }
        let what = isTable ? "unknown table" : "unknown key"
        if let section = Self.sectionKeys.first(where: { $0.value.contains(key) })?.key {
            return "\(what) (it belongs in [\(section)])"
        }
        if !path.components.isEmpty, Self.topLevelKeys.contains(key) {
            return "\(what) (it belongs at the top of the file, before any [table])"
        }
        if Self.looksLikeSecret(key) {
            return "\(what); " + Self.credentialsHint
        }
        let candidates = path.components.isEmpty ? known + Self.sectionKeys.keys.sorted() : known
        if let guess = Self.closestKey(to: key, among: candidates) {
            return "\(what) (did you mean \(guess)?)"
        }
        return what
    }

    static func looksLikeSecret(_ key: String) -> Bool {
        let lowered = key.lowercased()
        return ["secret", "password", "passwd", "token", "client_id", "clientid", "credential", "api_key", "apikey"]
            .contains { lowered.contains($0) }
    }

    /// The known key within two edits of `key` (ignoring case), if exactly one is closest.
    static func closestKey(to key: String, among candidates: [String]) -> String? {
        let lowered = Array(key.lowercased())
        var best: (key: String, distance: Int)?
        for candidate in Set(candidates).sorted() {
            let distance = editDistance(lowered, Array(candidate))
            if distance <= 2, distance < (best?.distance ?? .max) { best = (candidate, distance) }
        }
        return best?.key
    }

    private static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, y) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }

    // MARK: - Reporting

    mutating func report(_ keyPath: PolicyKeyPath, _ message: String, line: Int? = nil) {
        problems.append(
            PolicyProblem(
                path: path, line: line ?? self.line(of: keyPath.keys), keyPath: keyPath.description,
                message: message))
    }

    /// The line of `keys`, else of its nearest ancestor that is in the file, else 1 (a missing required key).
    private func line(of keys: [String]) -> Int {
        var keys = keys
        while !keys.isEmpty {
            if let position = document.position(ofKeyPath: keys) { return position.line }
            keys.removeLast()
        }
        return 1
    }
}
