/// A TOML table whose every key remembers where it was defined.
///
/// Keys keep the order in which the document defined them. A key's position is where it was first written: the key
/// of a `key = value` line, the name in a `[table]` header, the first `[[array]]` header of an array of tables, or the
/// first header or dotted key that mentioned an implicitly created table (`a` in `[a.b]`).
///
/// Two tables are equal when they hold the same keys with equal values; order and positions are not part of a
/// table's value.
struct TOMLTable: Equatable, Sendable {
    /// One key of the table.
    struct Entry: Sendable {
        var key: String
        var value: TOMLValue
        var position: TOMLPosition
    }

    /// In the order the document defined them.
    private(set) var entries: [Entry] = []
    private var indexOfKey: [String: Int] = [:]

    init() {}

    /// A table of `entries`; a key that occurs twice keeps its first entry.
    init(_ entries: [Entry]) {
        for entry in entries where indexOfKey[entry.key] == nil {
            indexOfKey[entry.key] = self.entries.count
            self.entries.append(entry)
        }
    }

    var keys: [String] { entries.map(\.key) }
    var count: Int { entries.count }
    var isEmpty: Bool { entries.isEmpty }

    subscript(key: String) -> TOMLValue? {
        guard let index = indexOfKey[key] else { return nil }
        return entries[index].value
    }

    /// Where `key` was defined in this table.
    func position(of key: String) -> TOMLPosition? {
        guard let index = indexOfKey[key] else { return nil }
        return entries[index].position
    }

    /// Where the last key of `keyPath` was defined, following nested tables from this one; `nil` when a key is
    /// missing or an ancestor is not a table.
    func position(ofKeyPath keyPath: [String]) -> TOMLPosition? {
        var table = self
        for (offset, key) in keyPath.enumerated() {
            if offset == keyPath.count - 1 { return table.position(of: key) }
            guard case .table(let child)? = table[key] else { return nil }
            table = child
        }
        return nil
    }

    static func == (lhs: TOMLTable, rhs: TOMLTable) -> Bool {
        lhs.count == rhs.count && lhs.entries.allSatisfy { rhs[$0.key] == $0.value }
    }
}
