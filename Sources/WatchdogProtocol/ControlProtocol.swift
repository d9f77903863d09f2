import FoundationEssentials

/// The control socket's line protocol (see `docs/protocol.md`): parsing request lines.
/// The verbs are ``ControlVerb``, the option keys ``RequestLine/Key``; responses are ``ControlReply``.
public enum ControlProtocol {
    /// The longest request line accepted, not counting `\r\n`.
    public static let maxLineBytes = 4096

    /// Parses one line (without its `\n`; a trailing `\r` is ignored here).
    public static func parse(_ line: some Collection<UInt8>) -> Result<ControlRequest, ControlError> {
        var bytes = Array(line)
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        guard bytes.count <= maxLineBytes else {
            return .failure(ControlError(.lineTooLong, "request line longer than \(maxLineBytes) bytes"))
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return .failure(ControlError(.badRequest, "request line is not valid UTF-8"))
        }
        return parse(text)
    }

    /// Parses one line of text (without its line ending).
    public static func parse(_ text: String) -> Result<ControlRequest, ControlError> {
        let words = text.split(separator: " ", omittingEmptySubsequences: true)
        guard let verb = words.first else {
            return .failure(ControlError(.badRequest, "empty request; send a task ID or a verb"))
        }
        if let bad = firstControlCharacter(in: text) {
            return .failure(
                ControlError(
                    .badRequest, "request contains control character U+\(String(bad.value, radix: 16, uppercase: true))"
                ))
        }
        let arguments = words.dropFirst()
        switch ControlVerb(verb) {
        case .watch:
            return parseWatch(arguments)
        case .stop:
            return oneTaskID(arguments, verb: .stop).map { .stop($0) }
        case .forget:
            return oneTaskID(arguments, verb: .forget).map { .forget($0) }
        case .status:
            if arguments.isEmpty { return .success(.status(nil)) }
            return oneTaskID(arguments, verb: .status).map { .status($0) }
        case .list:
            return parseList(arguments)
        case .extend:
            return parseExtend(arguments)
        case .release:
            guard arguments.isEmpty else { return .failure(ControlError(.badRequest, "release takes no arguments")) }
            return .success(.release)
        case .metrics:
            guard arguments.isEmpty else { return .failure(ControlError(.badRequest, "metrics takes no arguments")) }
            return .success(.metrics)
        case nil:
            guard arguments.isEmpty else {
                return .failure(
                    ControlError(
                        .badRequest,
                        "unknown verb \"\(clip(verb))\"; expected \(ControlVerb.spelledOut) or a task ID"))
            }
            return taskID(verb).map { .watch($0, maxRuntime: nil, startedAt: nil) }
        }
    }

    /// The first character of general category Cc (U+0000–U+001F, U+007F–U+009F), if any.
    /// Plain printable ASCII, what nearly every request is, is answered from its bytes alone.
    static func firstControlCharacter(in text: String) -> Unicode.Scalar? {
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return nil }
        return text.unicodeScalars.first { $0.properties.generalCategory == .control }
    }

    private static func parseWatch(_ arguments: ArraySlice<Substring>) -> Result<ControlRequest, ControlError> {
        guard let first = arguments.first else {
            return .failure(ControlError(.badRequest, "watch needs a TASK_ID"))
        }
        let id: TaskID
        switch taskID(first) {
        case .success(let parsed): id = parsed
        case .failure(let error): return .failure(error)
        }
        var maxRuntime: Duration?
        var startedAt: Date?
        var seen = Set<Substring>()
        for option in arguments.dropFirst() {
            guard let equals = option.firstIndex(of: "=") else {
                return .failure(
                    ControlError(
                        .badRequest, "unexpected \"\(clip(option))\"; watch takes max-runtime=SPAN and started-at=TIME")
                )
            }
            let key = option[..<equals]
            let value = option[option.index(after: equals)...]
            guard seen.insert(key).inserted else {
                return .failure(ControlError(.badRequest, "\(key) given twice"))
            }
            switch RequestLine.Key(rawValue: String(key)) {
            case .maxRuntime:
                do {
                    maxRuntime = try TimeSpan(parsing: String(value)).duration
                } catch {
                    return .failure(ControlError(.badRequest, "max-runtime: \(error)"))
                }
            case .startedAt:
                guard let date = RFC3339.parse(value) else {
                    return .failure(
                        ControlError(
                            .badRequest,
                            "started-at: \"\(clip(value))\" is not an RFC 3339 time like 2026-11-29T09:14:03Z"))
                }
                startedAt = date
            case .state, .by, nil:
                return .failure(
                    ControlError(
                        .badRequest, "unknown option \"\(clip(key))\"; watch takes max-runtime= and started-at="))
            }
        }
        return .success(.watch(id, maxRuntime: maxRuntime, startedAt: startedAt))
    }

    private static func parseExtend(_ arguments: ArraySlice<Substring>) -> Result<ControlRequest, ControlError> {
        let prefix = RequestLine.argument(.by, "")
        guard arguments.count == 2, let first = arguments.first, let option = arguments.last, option.hasPrefix(prefix)
        else {
            return .failure(ControlError(.badRequest, "extend takes a TASK_ID and by=SPAN"))
        }
        let id: TaskID
        switch taskID(first) {
        case .success(let parsed): id = parsed
        case .failure(let error): return .failure(error)
        }
        let text = String(option.dropFirst(prefix.count))
        let span: TimeSpan
        do {
            span = try TimeSpan(parsing: text)
        } catch {
            return .failure(ControlError(.badRequest, "by: \(error)"))
        }
        guard case .finite(let duration) = span, duration > .zero else {
            return .failure(
                ControlError(.badRequest, "by: \"\(clip(Substring(text)))\" must be finite and longer than 0"))
        }
        return .success(.extend(id, by: duration))
    }

    private static func parseList(_ arguments: ArraySlice<Substring>) -> Result<ControlRequest, ControlError> {
        guard let option = arguments.first else { return .success(.list(nil)) }
        let prefix = RequestLine.argument(.state, "")
        guard arguments.count == 1, option.hasPrefix(prefix) else {
            return .failure(ControlError(.badRequest, "list takes only state=STATE"))
        }
        let name = option.dropFirst(prefix.count)
        guard let state = TaskState(rawValue: String(name)), TaskState.tracked.contains(state) else {
            let names = TaskState.tracked.map(\.rawValue).joined(separator: ", ")
            return .failure(ControlError(.badRequest, "unknown state \"\(clip(name))\"; one of \(names)"))
        }
        return .success(.list(state))
    }

    private static func oneTaskID(_ arguments: ArraySlice<Substring>, verb: ControlVerb) -> Result<TaskID, ControlError>
    {
        guard arguments.count == 1, let word = arguments.first else {
            return .failure(ControlError(.badRequest, "\(verb.rawValue) takes exactly one TASK_ID"))
        }
        return taskID(word)
    }

    private static func taskID(_ word: Substring) -> Result<TaskID, ControlError> {
        guard let id = TaskID(word) else {
            return .failure(
                ControlError(
                    .invalidTaskID,
                    "\"\(clip(word))\" is not a task ID (a UUID like 0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11)"
                ))
        }
        return .success(id)
    }

    /// Echoes at most 64 characters of client input back in messages.
    private static func clip(_ text: Substring) -> String {
        text.count <= 64 ? String(text) : String(text.prefix(64)) + "…"
    }
}
