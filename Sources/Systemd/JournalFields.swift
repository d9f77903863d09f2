import Logging

/// How log entries become journal fields: pure, so the mapping is tested without a journal.
public enum JournalFields {
    /// `task.id` → `MAIA_TASK_ID`: upper case, every character outside `[A-Z0-9]` becomes `_`,
    /// prefixed `MAIA_`; at most 64 characters (journald's limit).
    public static func fieldName(forMetadataKey key: String) -> String {
        var name = "MAIA_"
        for scalar in key.unicodeScalars {
            switch scalar {
            case "a"..."z": name.unicodeScalars.append(Unicode.Scalar(scalar.value - 32)!)
            case "A"..."Z", "0"..."9": name.unicodeScalars.append(scalar)
            default: name += "_"
            }
        }
        return String(name.prefix(64))
    }

    /// syslog priority for a swift-log level.
    public static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    /// Every field of one entry, as `NAME=value` strings for `sd_journal_sendv`.
    public static func fields(
        level: Logger.Level,
        message: String,
        metadata: Logger.Metadata,
        identifier: String,
        messageIDs: [String: String],
        file: String,
        function: String,
        line: UInt
    ) -> [String] {
        var fields = [
            "MESSAGE=\(message)",
            "PRIORITY=\(priority(level))",
            "SYSLOG_IDENTIFIER=\(identifier)",
            "CODE_FILE=\(file)",
            "CODE_LINE=\(line)",
            "CODE_FUNC=\(function)",
        ]
        if case .string(let event)? = metadata["event"], let id = messageIDs[event] {
            fields.append("MESSAGE_ID=\(id)")
        }
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            fields.append("\(fieldName(forMetadataKey: key))=\(value)")
        }
        return fields
    }
}
