import InMemoryLogging
import Logging

/// Captures every log entry a test's components emit, in swift-log's `InMemoryLogHandler`: handed to them as a
/// `Logger` (logging is never bootstrapped in tests), then searched by event, task or text.
public struct LogRecorder: Sendable {
    /// One captured entry, with its metadata rendered as text (what the journal would show).
    public struct Entry: Sendable {
        public var level: Logger.Level
        public var message: String
        public var metadata: [String: String]
    }

    private let handler = InMemoryLogHandler()

    public init() {}

    /// Every entry so far, oldest first.
    public var all: [Entry] {
        handler.entries.map { entry in
            Entry(
                level: entry.level, message: "\(entry.message)", metadata: entry.metadata.mapValues { "\($0)" })
        }
    }

    /// Each entry as one line of text (level, message, metadata), to search for what must never be logged.
    public var lines: [String] {
        all.map { "\($0.level) \($0.message) \($0.metadata)" }
    }

    /// A logger at `trace` that records here.
    public func logger(_ label: String = "test") -> Logger {
        var logger = Logger(label: label) { [handler] _ in handler }
        logger.logLevel = .trace
        return logger
    }

    /// Entries whose `event` metadata is `event` (and, if given, whose `task.id` is `task`).
    public func events(_ event: String, task: String? = nil) -> [Entry] {
        all.filter { $0.metadata["event"] == event && (task == nil || $0.metadata["task.id"] == task) }
    }
}
