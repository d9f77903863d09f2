import FoundationEssentials
import HeapModule
import WatchdogProtocol

/// The enforcer's one ordered structure: every tracked task's next wake-up, earliest first.
///
/// Entries are never removed in place; a record whose wake-up changed simply gets a new entry and
/// the stale one is skipped when it surfaces (the caller checks it against the record). Pushing
/// and popping are O(log n), so one timer serves any number of tasks.
public struct DeadlineQueue: Sendable {
    public struct Entry: Comparable, Sendable {
        public var at: Date
        public var id: TaskID

        public init(at: Date, id: TaskID) {
            self.at = at
            self.id = id
        }

        public static func < (lhs: Entry, rhs: Entry) -> Bool {
            lhs.at != rhs.at ? lhs.at < rhs.at : lhs.id < rhs.id
        }
    }

    private var heap = Heap<Entry>()

    public init() {}

    public var count: Int { heap.count }

    /// The earliest instant in the queue.
    public var earliest: Date? { heap.min?.at }

    public mutating func push(_ id: TaskID, at: Date) {
        heap.insert(Entry(at: at, id: id))
    }

    /// The earliest entry.
    public var first: Entry? { heap.min }

    /// Removes the earliest entry.
    public mutating func removeFirst() {
        _ = heap.popMin()
    }

    /// Removes and returns the earliest entry if it is due at `now`.
    public mutating func popDue(now: Date) -> Entry? {
        guard let min = heap.min, min.at <= now else { return nil }
        return heap.removeMin()
    }

    /// Replaces every entry with `entries` in one O(n) step (rather than n pushes).
    public mutating func replaceAll(with entries: [Entry]) {
        heap = Heap(entries)
    }
}
