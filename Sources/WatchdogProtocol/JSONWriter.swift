/// A minimal JSON writer for ``ControlReply``: exact key order, no allocation of intermediate
/// dictionaries (the daemon writes one reply per request line; see docs/performance.md).
struct JSONWriter {
    var output: String

    init() {
        output = ""
        output.reserveCapacity(512)
    }

    mutating func raw(_ text: String) { output += text }

    mutating func string(_ text: String) {
        output += "\""
        // Nearly every string (IDs, states, times) is printable ASCII without quotes or
        // backslashes: copied as it is.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C }) {
            output += text
            output += "\""
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F || (0x2028...0x2029).contains(scalar.value):
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }

    mutating func optionalString(_ text: String?) {
        if let text { string(text) } else { raw("null") }
    }

    mutating func number(_ value: Int?) {
        raw(value.map(String.init) ?? "null")
    }

    mutating func bool(_ value: Bool?) {
        raw(value.map { $0 ? "true" : "false" } ?? "null")
    }

    /// Whole seconds as an integer, anything finer as a decimal number of seconds.
    mutating func seconds(_ duration: Duration?) {
        guard let duration else { return raw("null") }
        let (whole, attoseconds) = duration.components
        if attoseconds == 0 {
            raw(String(whole))
        } else {
            raw(String(Double(whole) + Double(attoseconds) / 1e18))
        }
    }

    mutating func reply(_ reply: ControlReply) {
        raw(reply.ok ? "{\"ok\":true" : "{\"ok\":false")
        if let error = reply.error {
            raw(",\"error\":")
            string(error)
        }
        if let message = reply.message {
            raw(",\"message\":")
            string(message)
        }
        if let task = reply.task {
            raw(",\"task\":")
            self.task(task)
        }
        if let tasks = reply.tasks {
            raw(",\"tasks\":[")
            for (index, task) in tasks.enumerated() {
                if index > 0 { raw(",") }
                self.task(task)
            }
            raw("]")
        }
        if let daemon = reply.daemon {
            raw(",\"daemon\":")
            self.daemon(daemon)
        }
        if let released = reply.released {
            raw(",\"released\":")
            number(released)
        }
        if let metrics = reply.metrics {
            raw(",\"metrics\":")
            string(metrics)
        }
        raw("}")
    }

    mutating func task(_ task: TaskReport) {
        raw("{\"id\":")
        optionalString(task.id?.rawValue)
        raw(",\"state\":")
        optionalString(task.state?.rawValue)
        raw(",\"watched_at\":")
        optionalString(task.watchedAt)
        raw(",\"deadline\":")
        optionalString(task.deadline)
        raw(",\"max_runtime_s\":")
        seconds(task.maxRuntime)
        raw(",\"attempts\":")
        number(task.attempts)
        raw(",\"last_http_status\":")
        number(task.lastHTTPStatus)
        raw(",\"last_error\":")
        optionalString(task.lastError)
        raw(",\"updated_at\":")
        optionalString(task.updatedAt)
        raw(",\"requested_by\":")
        if let requester = task.requestedBy {
            raw("{\"uid\":")
            number(requester.uid)
            raw(",\"pid\":")
            number(requester.pid)
            raw("}")
        } else {
            raw("null")
        }
        raw(",\"source\":")
        optionalString(task.source)
        raw(",\"started_at\":")
        optionalString(task.startedAt)
        raw(",\"maia_status\":")
        optionalString(task.maiaStatus)
        raw(",\"confirmed_at\":")
        optionalString(task.confirmedAt)
        raw(",\"warned_at\":")
        optionalString(task.warnedAt)
        raw(",\"extended_s\":")
        seconds(task.extended)
        raw("}")
    }

    mutating func daemon(_ daemon: DaemonReport) {
        raw("{\"version\":")
        optionalString(daemon.version)
        raw(",\"uptime_s\":")
        number(daemon.uptimeSeconds)
        raw(",\"policy\":")
        if let policy = daemon.policy {
            raw("{\"path\":")
            optionalString(policy.path)
            raw(",\"loaded_at\":")
            optionalString(policy.loadedAt)
            raw("}")
        } else {
            raw("null")
        }
        raw(",\"counts\":")
        if let counts = daemon.counts {
            raw("{")
            for (index, state) in TaskState.tracked.enumerated() {
                if index > 0 { raw(",") }
                string(state.rawValue)
                raw(":\(counts[state] ?? 0)")
            }
            raw("}")
        } else {
            raw("null")
        }
        raw(",\"dry_run\":")
        bool(daemon.dryRun)
        raw(",\"api\":")
        if let api = daemon.api {
            raw("{\"base_url\":")
            optionalString(api.baseURL)
            raw(",\"token\":")
            optionalString(api.token?.rawValue)
            raw("}")
        } else {
            raw("null")
        }
        raw(",\"breaker\":")
        if let breaker = daemon.breaker {
            raw("{\"state\":")
            optionalString(breaker.state)
            raw(",\"opened_at\":")
            optionalString(breaker.openedAt)
            raw(",\"held\":")
            number(breaker.held)
            raw("}")
        } else {
            raw("null")
        }
        raw(",\"discovery\":")
        if let discovery = daemon.discovery {
            raw("{\"enabled\":")
            bool(discovery.enabled)
            raw(",\"last_pass_at\":")
            optionalString(discovery.lastPassAt)
            raw(",\"last_error\":")
            optionalString(discovery.lastError)
            raw("}")
        } else {
            raw("null")
        }
        raw(",\"store\":")
        if let store = daemon.store {
            raw("{\"recreated\":")
            number(store.recreated)
            raw("}}")
        } else {
            raw("null}")
        }
    }
}
