import WatchdogProtocol

/// Every tracked record by ID, with the count of records per state kept up to date as records
/// change, so that `status` and STATUS= cost O(1) instead of a walk over every record.
///
/// **Memory.** Records are boxed. A `Dictionary` keeps at most 3/4 of its buckets full and grows
/// by doubling, so at 100,000 records it has 262,144 buckets: holding a whole record (about 190
/// bytes) in each would cost over 500 bytes per record, holding a key and a reference costs 24.
/// A change replaces the box (records are values; nothing else holds the box).
public struct TaskTable: Sequence, Sendable {
    fileprivate final class Box: Sendable {
        let record: TaskRecord
        init(_ record: TaskRecord) { self.record = record }
    }

    private var records: [TaskID: Box] = [:]
    /// Records per state; states with none are absent.
    public private(set) var counts: [TaskState: Int] = [:]

    public init() {}

    public var count: Int { records.count }

    /// Makes room for `capacity` records at once (at start, before the stored records are loaded,
    /// rather than growing the table step by step).
    public mutating func reserveCapacity(_ capacity: Int) {
        records.reserveCapacity(capacity)
    }

    public var values: some Collection<TaskRecord> {
        records.values.lazy.map(\.record)
    }

    public subscript(id: TaskID) -> TaskRecord? {
        get { records[id]?.record }
        set {
            if let old = records[id] { uncount(old.record.state) }
            if let newValue { counts[newValue.state, default: 0] += 1 }
            records[id] = newValue.map(Box.init)
        }
    }

    /// Removes and returns the record for `id`, if any.
    @discardableResult
    public mutating func removeValue(forKey id: TaskID) -> TaskRecord? {
        guard let old = records.removeValue(forKey: id) else { return nil }
        uncount(old.record.state)
        return old.record
    }

    public func makeIterator() -> Iterator { Iterator(base: records.makeIterator()) }

    /// Yields `(key: id, value: record)` pairs, like a dictionary's iterator.
    public struct Iterator: IteratorProtocol {
        fileprivate var base: Dictionary<TaskID, Box>.Iterator

        fileprivate init(base: Dictionary<TaskID, Box>.Iterator) { self.base = base }

        public mutating func next() -> (key: TaskID, value: TaskRecord)? {
            base.next().map { ($0.key, $0.value.record) }
        }
    }

    private mutating func uncount(_ state: TaskState) {
        let remaining = (counts[state] ?? 0) - 1
        counts[state] = remaining > 0 ? remaining : nil
    }
}
