import WatchdogProtocol

/// Turns successful responses into text for people. Scripts should use `--json`: this text
/// may change between versions.
enum OutputRenderer {
    /// Returns the text for `response`, or `nil` when it lacks `field`. `state` is the filter of
    /// a `list`.
    static func render(_ response: ControlReply, for field: ControlReply.Field, listing state: TaskState?) -> String? {
        switch field {
        case .task:
            response.task.map(taskBlock)
        case .tasks:
            response.tasks.map { taskTable($0, state: state) }
        case .daemon:
            response.daemon.map(daemonBlock)
        case .released:
            response.released.map {
                $0 == 1 ? "breaker closed; 1 held task released" : "breaker closed; \($0) held tasks released"
            }
        case .metrics:
            // The text as the daemon rendered it (it ends in a line feed; `print` adds one).
            response.metrics.map { $0.hasSuffix("\n") ? String($0.dropLast()) : $0 }
        }
    }

    /// One task as an aligned key/value block. `extended` and `warned at` appear only when set; every other key
    /// always does, `-` when the daemon did not report it (an older daemon sends fewer keys).
    static func taskBlock(_ task: TaskReport) -> String {
        let exempt = "none (exempt)"
        var pairs: [(String, String)] = [
            ("id", task.id?.rawValue ?? "-"),
            ("state", task.state?.rawValue ?? "-"),
            ("maia status", task.maiaStatus ?? "-"),
            ("watched at", task.watchedAt ?? "-"),
            ("started at", task.startedAt ?? "-"),
            ("deadline", task.deadline ?? exempt),
            ("max runtime", task.maxRuntime.map(span) ?? exempt),
        ]
        if let extended = task.extended, extended > .zero {
            pairs.append(("extended", span(extended)))
        }
        if let warnedAt = task.warnedAt {
            pairs.append(("warned at", warnedAt))
        }
        pairs += [
            ("attempts", task.attempts.map(String.init) ?? "-"),
            ("last http status", task.lastHTTPStatus.map(String.init) ?? "-"),
            ("last error", task.lastError ?? "-"),
            ("confirmed at", task.confirmedAt ?? "-"),
            ("updated at", task.updatedAt ?? "-"),
            ("source", task.source ?? "-"),
            ("requested by", requester(task.requestedBy)),
        ]
        return keyValueBlock(pairs)
    }

    /// Tasks as a table, in the order the daemon sent them. `MAIA` is the last status read from Maia, cut to
    /// ``maiaColumnWidth`` characters so that an unexpected status cannot widen the table.
    static func taskTable(_ tasks: [TaskReport], state: TaskState?) -> String {
        guard !tasks.isEmpty else {
            return state.map { "No tasks in state \($0.rawValue)." } ?? "No tasks are tracked."
        }
        let header = ["ID", "STATE", "MAIA", "DEADLINE", "ATTEMPTS", "LAST"]
        let rows = tasks.map { task in
            [
                task.id?.rawValue ?? "-",
                task.state?.rawValue ?? "-",
                task.maiaStatus.map(maiaCell) ?? "-",
                task.deadline ?? "none",
                task.attempts.map(String.init) ?? "-",
                last(task),
            ]
        }
        return table([header] + rows)
    }

    /// The widest the `MAIA` column gets: Maia's statuses (`STOPPING`, the longest) fit.
    static let maiaColumnWidth = 10

    /// A Maia status for the `MAIA` column: as sent, or its first characters and `…` when longer than the column.
    private static func maiaCell(_ status: String) -> String {
        status.count <= maiaColumnWidth ? status : String(status.prefix(maiaColumnWidth - 1)) + "…"
    }

    /// The daemon's status as an aligned block, with one line per state the daemon counted, in
    /// life-cycle order (``TaskState/allCases``).
    static func daemonBlock(_ daemon: DaemonReport) -> String {
        var pairs: [(String, String)] = [
            ("version", daemon.version ?? "-"),
            ("uptime", daemon.uptimeSeconds.map { span(Double($0)) } ?? "-"),
            ("policy", daemon.policy?.path ?? "-"),
            ("policy loaded at", daemon.policy?.loadedAt ?? "-"),
            ("dry run", daemon.dryRun.map { $0 ? "yes" : "no" } ?? "-"),
            ("api", daemon.api?.baseURL ?? "-"),
            ("api token", daemon.api?.token?.rawValue ?? "-"),
        ]
        if let breaker = daemon.breaker {
            let since = breaker.openedAt.map { " since \($0)" } ?? ""
            pairs.append(("breaker", (breaker.state ?? "-") + since + " (\(breaker.held ?? 0) held)"))
        }
        if let discovery = daemon.discovery {
            var text = discovery.enabled == true ? "on" : "off"
            if let at = discovery.lastPassAt { text += ", last pass \(at)" }
            if let error = discovery.lastError { text += ", failing: \(error)" }
            pairs.append(("discovery", text))
        }
        let counts = daemon.counts ?? [:]
        pairs.append(("tasks", String(counts.values.reduce(0, +))))
        for state in TaskState.allCases {
            guard let count = counts[state] else { continue }
            pairs.append(("  " + state.rawValue, String(count)))
        }
        return keyValueBlock(pairs)
    }

    /// A duration as a systemd-style span, to the nearest second.
    static func span(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return span(Double(seconds) + Double(attoseconds) / 1e18)
    }

    /// A number of seconds as a systemd-style span: `2700` is `45min`, `5400` is `1h 30min`.
    static func span(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else {
            return "\(seconds)s"
        }
        var left = Int(seconds.rounded())
        guard left > 0 else {
            return "0s"
        }
        var parts: [String] = []
        for (unit, size) in [("d", 86_400), ("h", 3_600), ("min", 60), ("s", 1)] where left >= size {
            parts.append("\(left / size)\(unit)")
            left %= size
        }
        return parts.joined(separator: " ")
    }

    /// A number of seconds without a useless `.0`.
    static func seconds(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    private static func requester(_ requester: TaskReport.Requester?) -> String {
        guard let requester else {
            return "-"
        }
        return "uid \(requester.uid.map(String.init) ?? "-"), pid \(requester.pid.map(String.init) ?? "-")"
    }

    /// The LAST column: the last HTTP status, then the last error, whichever are known.
    private static func last(_ task: TaskReport) -> String {
        let parts = [task.lastHTTPStatus.map(String.init), task.lastError].compactMap { $0 }
        return parts.isEmpty ? "-" : parts.joined(separator: " ")
    }

    private static func keyValueBlock(_ pairs: [(String, String)]) -> String {
        let width = pairs.map(\.0.count).max() ?? 0
        return pairs.map { key, value in
            key.padding(to: width + 2) + value
        }
        .joined(separator: "\n")
    }

    /// Left-aligned columns two spaces apart; the last column is not padded.
    private static func table(_ rows: [[String]]) -> String {
        let columns = rows.map(\.count).max() ?? 0
        let widths = (0..<columns).map { column in
            rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0
        }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(to: widths[column] + 2)
            }
            .joined()
        }
        .joined(separator: "\n")
    }
}

extension String {
    /// `self` followed by spaces up to `width` characters.
    fileprivate func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
