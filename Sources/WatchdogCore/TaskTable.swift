/// Every tracked record by ID, with the count of records per state kept up to date as records
/// change, so that `status` and STATUS= cost O(1) instead of a walk over every record.
public struct TaskTable: Sequence, Sendable {
    private var records: [TaskID: TaskRecord] = [:]
    /// Records per state; states with none are absent.
    public private(set) var counts: [TaskState: Int] = [:]

    public init() {}

    public var count: Int { records.count }

    public var values: Dictionary<TaskID, TaskRecord>.Values { records.values }

    public subscript(id: TaskID) -> TaskRecord? {
        get { records[id] }
        set {
            if let old = records[id] { uncount(old.state) }
            if let newValue { counts[newValue.state, default: 0] += 1 }
            records[id] = newValue
        }
    }

    @discardableResult
    public mutating func removeValue(forKey id: TaskID) -> TaskRecord? {
        guard let old = records.removeValue(forKey: id) else { return nil }
        uncount(old.state)
        return old
    }

    public func makeIterator() -> Dictionary<TaskID, TaskRecord>.Iterator { records.makeIterator() }

    private mutating func uncount(_ state: TaskState) {
        let remaining = (counts[state] ?? 0) - 1
        counts[state] = remaining > 0 ? remaining : nil
    }
}
