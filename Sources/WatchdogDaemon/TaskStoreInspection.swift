import FoundationEssentials
import Glibc
import SystemPackage
import WatchdogCore
import WatchdogProtocol

/// What `maia-watchdogd --check-state` reports about a healthy store: opened read-only, the full
/// `PRAGMA integrity_check` passed and every record decoded.
public struct TaskStoreInspection: Sendable {
    public var path: String
    public var schemaVersion: Int
    public var records: [TaskRecord]

    /// Opens the store in `directory` read-only and checks all of it. `nil` when there is no store
    /// yet (nothing was ever saved); throws `TaskStoreError` on any problem. An older schema is read as
    /// it is, never migrated: its records hold what the migration would give them.
    public static func inspect(directory: String) throws(TaskStoreError) -> TaskStoreInspection? {
        let path = FilePath(directory).appending(SQLiteTaskStore.fileName).string
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let connection = try SQLiteTaskWriter.wrap(path) { () throws(SQLiteError) in
            try SQLiteConnection(path: path, readOnly: true)
        }
        let version = try SQLiteTaskWriter.checkedVersion(connection, path: path)
        let problems = try SQLiteTaskWriter.wrap(path) { () throws(SQLiteError) in
            try connection.column("PRAGMA integrity_check")
        }
        guard problems == ["ok"] else {
            throw .corrupt(path: path, reason: problems.joined(separator: "; "))
        }
        var records: [TaskRecord] = []
        if version > 0 { records = try SQLiteTaskWriter.records(connection, path: path, version: version) }
        return TaskStoreInspection(path: path, schemaVersion: version, records: records)
    }

    /// The summary printed on stdout, one fact a line.
    public var summary: String {
        var lines = ["store: \(path)"]
        let supported = SQLiteTaskWriter.schemaVersion
        if schemaVersion < supported {
            lines.append("schema: version \(schemaVersion) (migrated to \(supported) at the next start)")
        } else {
            lines.append("schema: version \(schemaVersion)")
        }
        lines.append("integrity: ok")
        var counts: [TaskState: Int] = [:]
        for record in records { counts[record.state, default: 0] += 1 }
        let perState = TaskState.allCases.compactMap { state in counts[state].map { "\(state.rawValue) \($0)" } }
        lines.append("records: \(records.count)" + (perState.isEmpty ? "" : " (\(perState.joined(separator: ", ")))"))
        let byWatch = records.sorted { ($0.watchedAt, $0.id) < ($1.watchedAt, $1.id) }
        if let oldest = byWatch.first, let newest = byWatch.last {
            lines.append("oldest: \(oldest.id) watched \(RFC3339.format(oldest.watchedAt)) (\(oldest.state.rawValue))")
            lines.append("newest: \(newest.id) watched \(RFC3339.format(newest.watchedAt)) (\(newest.state.rawValue))")
        }
        let due = records.compactMap(\.nextWake).min()
        if let due { lines.append("next due: \(RFC3339.format(due))") }
        return lines.joined(separator: "\n")
    }
}
