import FoundationEssentials

/// One response line of the control socket.
public enum ControlResponse: Sendable, Equatable {
    case task(TaskRecord)
    case tasks([TaskRecord])
    case daemon(DaemonStatus)
    case failure(ControlError)

    /// The response as one line of JSON, without the trailing `\n`. Keys are written in the
    /// contract's order; absent values are `null`, never omitted.
    public var jsonLine: String {
        var json = JSONWriter()
        switch self {
        case .task(let record):
            json.raw("{\"ok\":true,\"task\":")
            json.task(record)
            json.raw("}")
        case .tasks(let records):
            json.raw("{\"ok\":true,\"tasks\":[")
            for (index, record) in records.enumerated() {
                if index > 0 { json.raw(",") }
                json.task(record)
            }
            json.raw("]}")
        case .daemon(let status):
            json.raw("{\"ok\":true,\"daemon\":")
            json.daemon(status)
            json.raw("}")
        case .failure(let error):
            json.raw("{\"ok\":false,\"error\":")
            json.string(error.code.rawValue)
            json.raw(",\"message\":")
            json.string(error.message)
            json.raw("}")
        }
        return json.output
    }
}

/// A minimal JSON writer for the response shapes above: exact key order, no allocation of
/// intermediate dictionaries.
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

    mutating func date(_ date: Date?) {
        optionalString(date.map(RFC3339.format))
    }

    mutating func seconds(_ duration: Duration?) {
        guard let duration else { return raw("null") }
        let (whole, attoseconds) = duration.components
        if attoseconds == 0 {
            raw(String(whole))
        } else {
            raw(String(duration.timeInterval))
        }
    }

    mutating func task(_ record: TaskRecord) {
        raw("{\"id\":")
        string(record.id.rawValue)
        raw(",\"state\":")
        string(record.state.rawValue)
        raw(",\"watched_at\":")
        date(record.watchedAt)
        raw(",\"deadline\":")
        date(record.deadline)
        raw(",\"max_runtime_s\":")
        seconds(record.maxRuntime)
        raw(",\"attempts\":\(record.attempts),\"last_http_status\":")
        raw(record.lastHTTPStatus.map(String.init) ?? "null")
        raw(",\"last_error\":")
        optionalString(record.lastError)
        raw(",\"updated_at\":")
        date(record.updatedAt)
        raw(",\"requested_by\":{\"uid\":\(record.requestedBy.uid),\"pid\":\(record.requestedBy.pid)}}")
    }

    mutating func daemon(_ status: DaemonStatus) {
        raw("{\"version\":")
        string(status.version)
        raw(",\"uptime_s\":\(status.uptimeSeconds),\"policy\":{\"path\":")
        string(status.policyPath)
        raw(",\"loaded_at\":")
        date(status.policyLoadedAt)
        raw("},\"counts\":{")
        let states = TaskState.allCases.filter { $0 != .forgotten }
        for (index, state) in states.enumerated() {
            if index > 0 { raw(",") }
            string(state.rawValue)
            raw(":\(status.counts[state] ?? 0)")
        }
        raw("},\"dry_run\":\(status.dryRun),\"api\":{\"base_url\":")
        string(status.apiBaseURL)
        raw(",\"token\":")
        string(status.token.rawValue)
        raw("},\"store\":{\"recreated\":\(status.storeRecreated)}}")
    }
}
