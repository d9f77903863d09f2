import CSystemd
import FoundationEssentials
import Glibc
import Logging

/// A swift-log handler that writes natively to the journal (`sd_journal_sendv`), each metadata
/// key as its own `MAIA_*` field, with PRIORITY, CODE_* and a MESSAGE_ID per event kind.
public struct JournalLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let identifier: String
    private let messageIDs: [String: String]

    /// - Parameter messageIDs: `event` metadata value → 128-bit MESSAGE_ID (32 hex digits).
    public init(identifier: String, messageIDs: [String: String]) {
        self.identifier = identifier
        self.messageIDs = messageIDs
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let fields = JournalFields.fields(
            level: event.level, message: "\(event.message)", metadata: merged, identifier: identifier,
            messageIDs: messageIDs, file: event.file, function: event.function, line: event.line)
        Self.send(fields)
    }

    /// Sends one entry. C pointer work stays inside this function.
    static func send(_ fields: [String]) {
        let buffers = fields.map { field -> UnsafeMutableRawBufferPointer in
            let bytes = Array(field.utf8)
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
            buffer.copyBytes(from: bytes)
            return UnsafeMutableRawBufferPointer(rebasing: buffer[0..<bytes.count])
        }
        defer { for buffer in buffers { buffer.deallocate() } }
        var vectors = buffers.map { iovec(iov_base: $0.baseAddress, iov_len: $0.count) }
        _ = vectors.withUnsafeMutableBufferPointer { sd_journal_sendv($0.baseAddress, Int32($0.count)) }
    }

    /// Whether this process's stderr is connected to the journal: `JOURNAL_STREAM` (set by systemd
    /// for services whose output goes to the journal) names the device and inode of stderr. This is
    /// systemd's own recommended test (systemd.exec(5)); it is false when stderr was redirected,
    /// e.g. in a terminal or a test, so those keep plain lines.
    public static func stderrIsJournal(environment: [String: String]) -> Bool {
        guard let value = environment["JOURNAL_STREAM"] else { return false }
        let parts = value.split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var info = stat()
        guard fstat(STDERR_FILENO, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }
}
