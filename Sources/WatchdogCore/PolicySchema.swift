import WatchdogProtocol

/// Every key of the policy file, declared once: where it is written, its default, and what a reload does with it
/// (the model: the rows of systemd's `oomd-conf.c`). The validator's known keys, its "did you mean" candidates and
/// the reload's pinning of restart-only keys all derive from these rows; the checks of each value live in
/// `PolicyValidator`, one function a section.
public enum PolicySchema {
    /// What a reload does with a key's new value.
    public enum Reload: Sendable, Equatable {
        /// Applied at once.
        case applies
        /// The running value stays until the next restart; the reload says so.
        case atRestart
        /// May be turned on by a reload but not off: such a reload is refused (`dry_run`: credentials are only
        /// loaded at start).
        case onlyTurnsOn
    }

    /// One key.
    public struct Key: Sendable {
        /// The table it is written in (`api`), or `nil` at the top level.
        public let section: String?
        public let name: String
        /// The value when the key is not written, as it would be written (`"45min"`), or `nil` when required.
        public let defaultValue: String?
        public let reload: Reload
        /// Whether two policies differ in the field this key sets (`nil` for an alias such as `api.region`, which
        /// sets the field of another row).
        fileprivate let differs: (@Sendable (Policy, Policy) -> Bool)?
        /// Copies this key's field from one policy into another.
        fileprivate let keep: (@Sendable (inout Policy, Policy) -> Void)?
        /// For `onlyTurnsOn`: whether `new` turns off what `running` has on.
        fileprivate let turnsOff: (@Sendable (Policy, Policy) -> Bool)?

        /// `api.max_in_flight`, or `max_runtime` at the top level.
        public var path: String { section.map { "\($0).\(name)" } ?? name }
    }

    /// Every key, in the order of the contract's example policy.
    public static let keys: [Key] = [
        key(nil, "max_runtime", \.maxRuntime, default: "45min"),
        key(nil, "allow", \.allow, default: nil),
        flag(nil, "dry_run", \.dryRun, default: "false"),
        key(nil, "retention", \.retention, default: "7d"),
        key(nil, "runtime_origin", \.runtimeOrigin, default: "created_at"),
        key(nil, "limits", \.limits, default: "{}"),
        alias("api", "region", default: "eu1", reload: .atRestart),
        key("api", "base_url", \.api.baseURL, default: "from region", reload: .atRestart),
        key("api", "request_timeout", \.api.requestTimeout, default: "15s", reload: .atRestart),
        key("api", "max_requests_per_minute", \.api.maxRequestsPerMinute, default: "900", reload: .atRestart),
        key("api", "max_in_flight", \.api.maxInFlight, default: "16"),
        key(
            "auth", "token_url", \.auth.tokenURL, default: "https://id.core.matillion.com/oauth/dpc/token",
            reload: .atRestart),
        key("auth", "audience", \.auth.audience, default: "https://api.matillion.com", reload: .atRestart),
        key("retry", "initial_backoff", \.retry.initialBackoff, default: "1s"),
        key("retry", "max_backoff", \.retry.maxBackoff, default: "1min"),
        key("retry", "multiplier", \.retry.multiplier, default: "2.0"),
        key("retry", "give_up_after", \.retry.giveUpAfter, default: "30min"),
        key("socket", "allowed_uids", \.socket.allowedUIDs, default: "[]"),
        key("socket", "allowed_gids", \.socket.allowedGIDs, default: "[]"),
        key("socket", "extend_uids", \.socket.extendUIDs, default: "[]"),
        key("confirm", "enabled", \.confirm.enabled, default: "true"),
        key("confirm", "first_check", \.confirm.firstCheck, default: "10s"),
        key("confirm", "max_interval", \.confirm.maxInterval, default: "1min"),
        key("confirm", "restop_after", \.confirm.restopAfter, default: "5min"),
        key("confirm", "give_up_after", \.confirm.giveUpAfter, default: "30min"),
        key("discover", "enabled", \.discover.enabled, default: "false"),
        key("discover", "interval", \.discover.interval, default: "1min"),
        key("discover", "projects", \.discover.projects, default: "[]"),
        key("safety", "warn_before", \.safety.warnBefore, default: "0s"),
        key("safety", "max_extension", \.safety.maxExtension, default: "0s"),
        key("safety", "max_stops", \.safety.maxStops, default: "0"),
        key("safety", "window", \.safety.window, default: "10min"),
        key("metrics", "listen", \.metrics.listen, default: #""""#, reload: .atRestart),
    ]

    /// The tables that hold keys (`api`, `auth`, …), in order; `limits` is a table of its own, keyed by task.
    public static let sections: [String] = {
        var seen: [String] = []
        for key in keys { if let section = key.section, !seen.contains(section) { seen.append(section) } }
        return seen
    }()

    /// The keys written directly in the top level or in `section`, by name.
    public static func names(in section: String?) -> [String] {
        keys.filter { $0.section == section }.map(\.name)
    }

    /// What a reload from `running` to `new` may not do: the paths of `onlyTurnsOn` keys that `new` turns off.
    public static func forbiddenChanges(from running: Policy, to new: Policy) -> [String] {
        keys.filter { $0.reload == .onlyTurnsOn && $0.turnsOff?(running, new) == true }.map(\.path)
    }

    /// Puts the running values of restart-only keys into `new`, and returns the paths of those that differed.
    public static func keepRestartOnly(from running: Policy, in new: inout Policy) -> [String] {
        var kept: [String] = []
        for key in keys where key.reload == .atRestart {
            guard let differs = key.differs, let keep = key.keep, differs(running, new) else { continue }
            keep(&new, running)
            kept.append(key.path)
        }
        return kept
    }

    // MARK: rows

    private static func key<Value: Equatable & Sendable>(
        _ section: String?, _ name: String, _ field: any WritableKeyPath<Policy, Value> & Sendable,
        default value: String?,
        reload: Reload = .applies
    ) -> Key {
        Key(
            section: section, name: name, defaultValue: value, reload: reload,
            differs: { $0[keyPath: field] != $1[keyPath: field] },
            keep: { $0[keyPath: field] = $1[keyPath: field] }, turnsOff: nil)
    }

    private static func flag(
        _ section: String?, _ name: String, _ field: any WritableKeyPath<Policy, Bool> & Sendable, default value: String
    ) -> Key {
        Key(
            section: section, name: name, defaultValue: value, reload: .onlyTurnsOn,
            differs: { $0[keyPath: field] != $1[keyPath: field] },
            keep: { $0[keyPath: field] = $1[keyPath: field] },
            turnsOff: { running, new in running[keyPath: field] && !new[keyPath: field] })
    }

    private static func alias(_ section: String, _ name: String, default value: String, reload: Reload) -> Key {
        Key(section: section, name: name, defaultValue: value, reload: reload, differs: nil, keep: nil, turnsOff: nil)
    }
}
