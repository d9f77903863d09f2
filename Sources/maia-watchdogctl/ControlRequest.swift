import ArgumentParser

/// One request line of the control protocol, built from validated words.
///
/// The daemon validates task IDs, spans and timestamps itself; the client only refuses
/// arguments that would break the line protocol (spaces, line breaks, other non-printable
/// characters, or nothing at all), so that a bad argument is a usage error and never a
/// different request.
struct ControlRequest: Equatable {
    /// The words of the request, the verb first.
    let words: [String]

    /// What a successful answer carries, and so how to print it.
    let expectation: ResponseExpectation

    /// The line sent to the daemon, without its `\n`.
    var line: String { words.joined(separator: " ") }

    static func watch(taskID: String, maxRuntime: String?, startedAt: String?) throws -> ControlRequest {
        var words = ["watch", try word(taskID, for: "TASK_ID")]
        if let maxRuntime {
            // Spans are written without spaces in requests: "1h 30min" becomes "1h30min".
            let span = maxRuntime.filter { $0 != " " }
            words.append("max-runtime=" + (try word(span, for: "--max-runtime")))
        }
        if let startedAt {
            words.append("started-at=" + (try word(startedAt, for: "--started-at")))
        }
        return ControlRequest(words: words, expectation: .task)
    }

    static func stop(taskID: String) throws -> ControlRequest {
        ControlRequest(words: ["stop", try word(taskID, for: "TASK_ID")], expectation: .task)
    }

    static func forget(taskID: String) throws -> ControlRequest {
        ControlRequest(words: ["forget", try word(taskID, for: "TASK_ID")], expectation: .task)
    }

    static func status(taskID: String?) throws -> ControlRequest {
        guard let taskID else {
            return ControlRequest(words: ["status"], expectation: .daemon)
        }
        return ControlRequest(words: ["status", try word(taskID, for: "TASK_ID")], expectation: .task)
    }

    static func list(state: TaskStateFilter?) -> ControlRequest {
        guard let state else {
            return ControlRequest(words: ["list"], expectation: .tasks(state: nil))
        }
        return ControlRequest(words: ["list", "state=" + state.rawValue], expectation: .tasks(state: state.rawValue))
    }

    /// Returns `value` if it can travel as one word of a request line.
    static func word(_ value: String, for name: String) throws -> String {
        guard !value.isEmpty else {
            throw ValidationError("\(name) must not be empty.")
        }
        if let bad = value.unicodeScalars.first(where: { !isProtocolSafe($0) }) {
            let what = bad == " " ? "a space" : "the non-printable character U+\(hex(bad.value))"
            throw ValidationError("\(name) '\(printable(value))' contains \(what), which a request line cannot carry.")
        }
        return value
    }

    private static func isProtocolSafe(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.properties.isWhitespace {
            return false
        }
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .unassigned, .privateUse:
            return false
        default:
            return true
        }
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// `value` with control characters escaped, so that an error message stays on one line.
    private static func printable(_ value: String) -> String {
        value.unicodeScalars.map { isProtocolSafe($0) || $0 == " " ? String($0) : "\\u{\(hex($0.value))}" }
            .joined()
    }
}
