import WatchdogProtocol

extension Policy {
    /// A one-screen account of the policy in force, for `maia-watchdogd --check` (stdout).
    ///
    /// ```
    /// policy /etc/maia-watchdog/policy.toml is valid
    ///   max runtime       45min
    ///   allowed tasks     every task
    ///   per-task limits   1 (0 exempt)
    ///   dry run           no: overdue tasks are stopped
    ///   retention         1w
    ///   runtime origin    the task's createdAt, when earlier than the watch
    ///   API base URL      https://eu1.api.matillion.com/dpc
    ///   request timeout   15s
    ///   rate limit        900 requests/min, at most 16 in flight
    ///   retry backoff     up to 1s, 2s, 4s, 8s, 16s, 32s, then 1min (full jitter)
    ///   give up after     30min
    ///   token URL         https://id.core.matillion.com/oauth/dpc/token
    ///   token audience    https://api.matillion.com
    ///   socket access     anyone the socket's file mode lets in
    ///   confirm stops     reads after 10s, doubling up to 1min; again after 5min; unconfirmed after 30min
    ///   discovery         no: only tasks handed over are enforced
    ///   metrics           not served (maia-watchdogctl metrics still answers)
    /// ```
    public func summary(path: String) -> String {
        let rows: [(String, String)] = [
            ("max runtime", maxRuntime == .infinity ? "infinity (no limit)" : maxRuntime.description),
            ("allowed tasks", allowSummary),
            ("per-task limits", limitsSummary),
            (
                "dry run",
                dryRun
                    ? #"yes: overdue tasks are logged as "would stop", never stopped"# : "no: overdue tasks are stopped"
            ),
            ("retention", TimeSpan.finite(retention).description),
            (
                "runtime origin",
                runtimeOrigin == .createdAt ? "the task's createdAt, when earlier than the watch" : "the watch"
            ),
            ("API base URL", api.baseURL),
            ("request timeout", TimeSpan.finite(api.requestTimeout).description),
            ("rate limit", "\(api.maxRequestsPerMinute) requests/min, at most \(api.maxInFlight) in flight"),
            ("retry backoff", backoffSummary),
            ("give up after", TimeSpan.finite(retry.giveUpAfter).description),
            ("token URL", auth.tokenURL),
            ("token audience", auth.audience),
            ("socket access", socketSummary),
            ("confirm stops", confirmSummary),
            ("discovery", discoverSummary),
            ("metrics", metricsSummary),
        ]
        let width = rows.map(\.0.count).max() ?? 0
        let lines = rows.map { label, value in
            "  " + label + String(repeating: " ", count: width - label.count + 3) + value
        }
        return (["policy \(path) is valid"] + lines).joined(separator: "\n")
    }

    private var allowSummary: String {
        switch allow {
        case .everyTask:
            return "every task"
        case .only(let ids):
            return ids.count == 1 ? "1 task ID" : "\(ids.count) task IDs"
        }
    }

    private var limitsSummary: String {
        if limits.isEmpty { return "none" }
        let exempt = limits.values.filter { $0 == .infinity }.count
        return "\(limits.count) (\(exempt) exempt)"
    }

    /// The cap of each successive sleep until it reaches `max_backoff` (each sleep is random below its cap).
    private var backoffSummary: String {
        if retry.multiplier == 1 || retry.initialBackoff >= retry.maxBackoff {
            let cap = TimeSpan.shorter(.finite(retry.initialBackoff), .finite(retry.maxBackoff))
            return "up to \(cap) each time (full jitter)"
        }
        var caps: [String] = []
        var cap = retry.initialBackoff
        while cap < retry.maxBackoff, caps.count < 8 {
            caps.append(TimeSpan.finite(cap).description)
            // Stop at max_backoff before multiplying: `Duration * Double` traps when the product leaves the range of
            // a Duration, and `multiplier = 1e300` is a valid policy.
            let next = cap.timeInterval * retry.multiplier
            cap = next < retry.maxBackoff.timeInterval ? cap * retry.multiplier : retry.maxBackoff
        }
        let tail = cap < retry.maxBackoff ? ", …, " : ", "
        return "up to " + caps.joined(separator: ", ") + tail
            + "then \(TimeSpan.finite(retry.maxBackoff)) (full jitter)"
    }

    private var confirmSummary: String {
        guard confirm.enabled else { return "no: stop_requested is final" }
        let spans = [confirm.firstCheck, confirm.maxInterval, confirm.restopAfter, confirm.giveUpAfter].map {
            TimeSpan.finite($0).description
        }
        return
            "reads after \(spans[0]), doubling up to \(spans[1]); again after \(spans[2]); unconfirmed after \(spans[3])"
    }

    private var metricsSummary: String {
        switch metrics.listen {
        case .off: "not served (maia-watchdogctl metrics still answers)"
        case .tcp:
            "http://\(metrics.listen)/metrics"
                + (metrics.listen.isLocal ? "" : " (not loopback: reachable from the network)")
        case .unix(let path): "/metrics on the Unix socket \(path)"
        }
    }

    private var discoverSummary: String {
        guard discover.enabled else { return "no: only tasks handed over are enforced" }
        let scope =
            discover.projects.isEmpty
            ? "every task the credentials can list"
            : (discover.projects.count == 1 ? "project " : "projects ") + discover.projects.joined(separator: ", ")
        return "every \(TimeSpan.finite(discover.interval)): \(scope)"
    }

    private var socketSummary: String {
        if socket.allowedUIDs.isEmpty && socket.allowedGIDs.isEmpty {
            return "anyone the socket's file mode lets in"
        }
        var parts: [String] = []
        if !socket.allowedUIDs.isEmpty {
            parts.append("UIDs " + socket.allowedUIDs.map(String.init).joined(separator: ", "))
        }
        if !socket.allowedGIDs.isEmpty {
            parts.append("GIDs " + socket.allowedGIDs.map(String.init).joined(separator: ", "))
        }
        return parts.joined(separator: "; ")
    }
}
