import CSQLite
import FoundationEssentials
import WatchdogCore
import WatchdogProtocol

/// A `TaskRecord` as a row of the `tasks` table, and back.
extension SQLiteTaskWriter {
    /// The columns of version 1, in the order ``values(of:)`` binds them and ``record(_:)`` reads them.
    static let firstColumns = [
        "id", "state", "watched_at", "started_at", "deadline", "max_runtime_us", "requested_max_runtime_us",
        "attempts", "last_http_status", "last_error", "updated_at", "requested_by_uid", "requested_by_pid",
        "first_attempt_at", "next_attempt_at",
    ]

    /// The columns migration 3 → 4 added, each with what a row written before holds there (the column's default,
    /// or NULL): what `SELECT` reads in their place from a file that has not been migrated yet.
    static let addedColumnDefaults: [(name: String, before: String)] = [
        ("source", "'socket'"), ("maia_status", "NULL"), ("confirmed_at", "NULL"), ("unconfirmed_at", "NULL"),
        ("last_accepted_at", "NULL"), ("read_purpose", "NULL"), ("next_read_at", "NULL"), ("reads", "0"),
        ("read_failures", "0"), ("warned_at", "NULL"), ("extended_us", "0"),
    ]

    /// Every column this build writes, in order.
    static let columns = firstColumns + addedColumnDefaults.map(\.name)

    /// What to `SELECT` from a file of schema `version` to read it as ``record(_:)`` expects.
    static func selection(version: Int) -> String {
        let added = addedColumnDefaults.map { version >= 4 ? $0.name : $0.before }
        return (firstColumns + added).joined(separator: ", ")
    }

    static func values(of record: TaskRecord) -> [SQLiteValue?] {
        [
            .text(record.id.rawValue),
            .text(record.state.rawValue),
            .real(record.watchedAt.timeIntervalSince1970),
            .real(record.startedAt.timeIntervalSince1970),
            record.deadline.map { .real($0.timeIntervalSince1970) },
            record.maxRuntime.map { .integer(microseconds($0)) },
            record.requestedMaxRuntime.map { .integer(microseconds($0)) },
            .integer(Int64(record.attempts)),
            record.lastHTTPStatus.map { .integer(Int64($0)) },
            record.lastError.map { .text($0) },
            .real(record.updatedAt.timeIntervalSince1970),
            .integer(Int64(record.requestedBy.uid)),
            .integer(Int64(record.requestedBy.pid)),
            record.firstAttemptAt.map { .real($0.timeIntervalSince1970) },
            record.nextAttemptAt.map { .real($0.timeIntervalSince1970) },
            // Version 4.
            .text(record.source.rawValue),
            record.maiaStatus.map { .text($0) },
            record.confirmedAt.map { .real($0.timeIntervalSince1970) },
            record.unconfirmedAt.map { .real($0.timeIntervalSince1970) },
            record.lastAcceptedAt.map { .real($0.timeIntervalSince1970) },
            record.readPurpose.map { .text($0.rawValue) },
            record.nextReadAt.map { .real($0.timeIntervalSince1970) },
            .integer(Int64(record.reads)),
            .integer(Int64(record.readFailures)),
            record.warnedAt.map { .real($0.timeIntervalSince1970) },
            .integer(microseconds(record.extended)),
        ]
    }

    /// The record in the current row, or `nil` when a column does not hold what it must.
    static func record(_ row: SQLiteStatement) -> TaskRecord? {
        func date(_ column: Int32) -> Date?? {
            switch row.type(column) {
            case SQLITE_NULL: return .some(nil)
            case SQLITE_FLOAT, SQLITE_INTEGER: return Date(timeIntervalSince1970: row.real(column))
            default: return nil
            }
        }
        func integer(_ column: Int32) -> Int64?? {
            switch row.type(column) {
            case SQLITE_NULL: return .some(nil)
            case SQLITE_INTEGER: return row.int(column)
            default: return nil
            }
        }
        /// NULL, or the text of one of `Value`'s cases.
        func value<Value: RawRepresentable>(_ column: Int32, _: Value.Type) -> Value?? where Value.RawValue == String {
            if row.type(column) == SQLITE_NULL { return .some(nil) }
            guard let text = row.text(column), let value = Value(rawValue: text) else { return nil }
            return value
        }
        guard let id = row.text(0).flatMap({ TaskID($0) }),
            let state = row.text(1).flatMap(TaskState.init(rawValue:)),
            let watchedAt = date(2) ?? nil, let startedAt = date(3) ?? nil, let deadline = date(4),
            let maxRuntime = integer(5), let requested = integer(6), let attempts = integer(7) ?? nil,
            let status = integer(8), let updatedAt = date(10) ?? nil,
            let uid = integer(11) ?? nil, let pid = integer(12) ?? nil,
            let firstAttemptAt = date(13), let nextAttemptAt = date(14),
            let uid32 = UInt32(exactly: uid), let pid32 = Int32(exactly: pid),
            let source = value(15, TaskSource.self) ?? nil,
            let confirmedAt = date(17), let unconfirmedAt = date(18), let lastAcceptedAt = date(19),
            let readPurpose = value(20, ReadPurpose.self), let nextReadAt = date(21),
            let reads = integer(22) ?? nil, let readFailures = integer(23) ?? nil,
            let warnedAt = date(24), let extended = integer(25) ?? nil
        else { return nil }
        var record = TaskRecord(
            id: id, state: state, watchedAt: watchedAt, startedAt: startedAt, deadline: deadline,
            maxRuntime: maxRuntime.map { .microseconds($0) }, requestedMaxRuntime: requested.map { .microseconds($0) },
            attempts: Int(attempts), lastHTTPStatus: status.map { Int($0) }, lastError: row.text(9),
            updatedAt: updatedAt, requestedBy: Requester(uid: uid32, pid: pid32), firstAttemptAt: firstAttemptAt,
            nextAttemptAt: nextAttemptAt)
        record.source = source
        record.maiaStatus = row.text(16)
        record.confirmedAt = confirmedAt
        record.unconfirmedAt = unconfirmedAt
        record.lastAcceptedAt = lastAcceptedAt
        record.readPurpose = readPurpose
        record.nextReadAt = nextReadAt
        record.reads = Int(reads)
        record.readFailures = Int(readFailures)
        record.warnedAt = warnedAt
        record.extended = .microseconds(extended)
        return record
    }

    /// A span in whole microseconds, saturating.
    static func microseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (sum, overflow2) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000_000)
        return overflow2 ? .max : sum
    }
}
