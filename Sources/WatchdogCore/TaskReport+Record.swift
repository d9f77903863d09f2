import FoundationEssentials
import WatchdogProtocol

extension TaskReport {
    /// The TASK object for `record`: every field filled, times in RFC 3339 UTC with milliseconds. A discovered task
    /// has no requester (`requested_by` is `null`): the record's requester is only a placeholder then.
    public init(_ record: TaskRecord) {
        self.init(
            id: record.id,
            state: record.state,
            watchedAt: RFC3339.format(record.watchedAt),
            deadline: record.deadline.map(RFC3339.format),
            maxRuntime: record.maxRuntime,
            attempts: record.attempts,
            lastHTTPStatus: record.lastHTTPStatus,
            lastError: record.lastError,
            updatedAt: RFC3339.format(record.updatedAt),
            requestedBy: record.source == .discovery
                ? nil : Requester(uid: Int(record.requestedBy.uid), pid: Int(record.requestedBy.pid)),
            source: record.source.rawValue,
            startedAt: RFC3339.format(record.startedAt),
            maiaStatus: record.maiaStatus,
            confirmedAt: record.confirmedAt.map(RFC3339.format),
            warnedAt: record.warnedAt.map(RFC3339.format),
            extended: record.extended)
    }
}
