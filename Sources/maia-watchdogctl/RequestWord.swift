import ArgumentParser

/// The client's check on each word it puts in a request line.
///
/// The daemon validates task IDs, spans and timestamps itself; the client only refuses
/// arguments that would break the line protocol (spaces, line breaks, other non-printable
/// characters, or nothing at all), so that a bad argument is a usage error and never a
/// different request.
enum RequestWord {
    /// Returns `value` if it can travel as one word of a request line.
    static func validated(_ value: String, for name: String) throws -> String {
        guard !value.isEmpty else {
            throw ValidationError("\(name) must not be empty.")
        }
        if let bad = value.unicodeScalars.first(where: { !isProtocolSafe($0) }) {
            let what = bad == " " ? "a space" : "the non-printable character U+\(hex(bad.value))"
            throw ValidationError("\(name) '\(printable(value))' contains \(what), which a request line cannot carry.")
        }
        return value
    }

    /// `TASK_ID` as one word.
    static func taskID(_ value: String) throws -> String {
        try validated(value, for: "TASK_ID")
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
