/// A table while its document is being parsed: it can still grow, and it remembers how it came to exist, which decides
/// what may still add to it (TOML 1.0's redefinition rules, applied in `TOMLParser+Tables.swift`).
///
/// A class, so that the parser can hold the table its current `[header]` opened while adding to it; it never leaves
/// the parser, which turns the finished tree into value types (`build()`).
final class TOMLTableBuilder {
    /// How a table was created, which decides what may add to it later.
    enum Origin: Equatable {
        /// Created only as the parent of a header's table (`a` in `[a.b]`): a later `[a]` may still define it.
        case implicit
        /// Defined by its own `[header]`, or an element of an array of tables: no other header may define it again,
        /// and dotted keys from a parent table may not add to it.
        case header
        /// Defined by dotted keys (`a.b = 1` defines `a`) in the section (a header's table, or an inline table) with
        /// this number: dotted keys of that section may add to it, nothing else may, but headers may define tables
        /// below it (`[a.c]`).
        case dotted(section: Int)
    }

    /// What a key holds.
    enum Content {
        /// A finished value: a string, number, boolean, date-time, static array or inline table. Nothing can add to
        /// it.
        case value(TOMLValue)
        case table(TOMLTableBuilder)
        /// `[[x]]` elements; headers that go through `x` go to the last one.
        case arrayOfTables([TOMLTableBuilder])
    }

    /// A key's content and where the key was first written.
    struct Slot {
        var position: TOMLPosition
        var content: Content
    }

    /// The keys from the document's root to this table, for messages; the elements of an array of tables share their
    /// array's path.
    let path: [String]
    /// Tables and arrays between the root (0) and this table.
    let depth: Int
    var origin: Origin
    /// Where the header or dotted key that defined the table (or first mentioned it, while `implicit`) was written.
    var definedAt: TOMLPosition

    private var keys: [String] = []
    private var slots: [String: Slot] = [:]

    init(path: [String], depth: Int, origin: Origin, definedAt: TOMLPosition) {
        self.path = path
        self.depth = depth
        self.origin = origin
        self.definedAt = definedAt
    }

    subscript(key: String) -> Slot? {
        slots[key]
    }

    /// Adds a key that is not in the table yet (the caller has checked).
    func add(_ key: String, at position: TOMLPosition, _ content: Content) {
        if slots[key] == nil { keys.append(key) }
        slots[key] = Slot(position: position, content: content)
    }

    /// Appends `element` to the array of tables at `key`; `false`, changing nothing, when `key` holds something else
    /// or nothing.
    func append(_ element: TOMLTableBuilder, toArrayAt key: String) -> Bool {
        // Move the slot out and empty it before appending, so that the array has no other owner and grows in place: a
        // file of 100,000 `[[x]]` headers must not take quadratic time. Callers must not hold a copy of the slot.
        guard var slot = slots.removeValue(forKey: key) else { return false }
        guard case .arrayOfTables(var elements) = slot.content else {
            slots[key] = slot
            return false
        }
        slot.content = .arrayOfTables([])
        elements.append(element)
        slot.content = .arrayOfTables(elements)
        slots[key] = slot
        return true
    }

    /// The finished table. Recursion is bounded by `TOMLParser.maximumDepth`.
    func build() -> TOMLTable {
        var entries: [TOMLTable.Entry] = []
        entries.reserveCapacity(keys.count)
        for key in keys {
            guard let slot = slots[key] else { continue }
            let value: TOMLValue
            switch slot.content {
            case .value(let finished): value = finished
            case .table(let table): value = .table(table.build())
            case .arrayOfTables(let elements): value = .array(elements.map { .table($0.build()) })
            }
            entries.append(TOMLTable.Entry(key: key, value: value, position: slot.position))
        }
        return TOMLTable(entries)
    }
}
