/// TOML 1.0's rules for defining tables, which decide what each header and dotted key may add to:
///
/// | written | may not |
/// |---|---|
/// | `a = …` | define `a` again, in any way |
/// | `[a]` | follow another `[a]`, or dotted keys that defined `a`; name an array of tables or any other value |
/// | `[[a]]` | name a table or a static array |
/// | `a.b = …` | add to a table that has its own header, or that dotted keys of another section defined |
/// | `a = {…}`, `a = […]` | be extended afterwards, by a header or by a dotted key |
///
/// A header may always define tables below a table that dotted keys defined (`[fruit]` `apple.color = 1` then
/// `[fruit.apple.texture]`), and a table that a header only implied (`a` in `[a.b]`) may be defined later by `[a]`.
extension TOMLParser {
    /// `[a.b.c]`: makes the table current.
    mutating func openTable(_ key: [Key]) throws(TOMLParseError) {
        let name = "[\(Self.render(key.map(\.name)))]"
        let parent = try headerParent(of: key, name: name)
        guard let last = key.last else { return }
        guard let slot = parent[last.name] else {
            current = try newTable(named: last, in: parent, origin: .header)
            return
        }
        guard case .table(let table) = slot.content else {
            throw alreadyDefined(parent.path + [last.name], slot, "cannot define \(name)", at: last.position)
        }
        switch table.origin {
        case .implicit:
            table.origin = .header
            table.definedAt = last.position
        case .header:
            throw TOMLParseError(
                position: last.position,
                message: "the table \(name) is defined twice (first at line \(table.definedAt.line))")
        case .dotted:
            throw TOMLParseError(
                position: last.position,
                message: "the table \(name) is already defined by dotted keys (at line \(table.definedAt.line))")
        }
        current = table
    }

    /// `[[a.b.c]]`: appends a table to the array and makes it current.
    mutating func openArrayOfTables(_ key: [Key]) throws(TOMLParseError) {
        let name = "[[\(Self.render(key.map(\.name)))]]"
        let parent = try headerParent(of: key, name: name)
        guard let last = key.last else { return }
        let depth = parent.depth + 2  // The array, then its table.
        guard depth <= Self.maximumDepth else { throw tooDeep(at: last.position) }
        let element = TOMLTableBuilder(
            path: parent.path + [last.name], depth: depth, origin: .header, definedAt: last.position)
        if parent.append(element, toArrayAt: last.name) {
            current = element
            return
        }
        if let slot = parent[last.name] {
            throw alreadyDefined(parent.path + [last.name], slot, "cannot define \(name)", at: last.position)
        }
        parent.add(last.name, at: last.position, .arrayOfTables([element]))
        current = element
    }

    /// The table in which a header's last key is defined, creating the tables on the way as `implicit`; a header
    /// that goes through an array of tables goes into its last element.
    private mutating func headerParent(of key: [Key], name: String) throws(TOMLParseError) -> TOMLTableBuilder {
        var table = root
        for part in key.dropLast() {
            guard let slot = table[part.name] else {
                table = try newTable(named: part, in: table, origin: .implicit)
                continue
            }
            switch slot.content {
            case .table(let child):
                table = child
            case .arrayOfTables(let elements):
                guard let last = elements.last else {
                    throw alreadyDefined(table.path + [part.name], slot, "cannot define \(name)", at: part.position)
                }
                table = last
            case .value:
                throw alreadyDefined(table.path + [part.name], slot, "cannot define \(name)", at: part.position)
            }
        }
        return table
    }

    /// The table in which `key = …` defines its last key, creating (or claiming) the tables on the way as defined by
    /// dotted keys of `section`. Throws when the key is already defined.
    mutating func tableForDottedKey(
        _ key: [Key], in start: TOMLTableBuilder, section: Int
    ) throws(TOMLParseError) -> TOMLTableBuilder {
        var table = start
        for part in key.dropLast() {
            guard let slot = table[part.name] else {
                table = try newTable(named: part, in: table, origin: .dotted(section: section))
                continue
            }
            let path = table.path + [part.name]
            let keyText = Self.render(start.path + key.map(\.name))
            guard case .table(let child) = slot.content else {
                throw alreadyDefined(path, slot, "cannot define \(keyText)", at: part.position)
            }
            switch child.origin {
            case .implicit:
                child.origin = .dotted(section: section)
                child.definedAt = part.position
            case .dotted(let owner) where owner == section:
                break
            case .dotted:
                throw TOMLParseError(
                    position: part.position,
                    message: "cannot define \(keyText) with a dotted key: \(Self.render(path)) was defined by dotted "
                        + "keys in another table (at line \(child.definedAt.line)), and only they may add to it")
            case .header:
                throw TOMLParseError(
                    position: part.position,
                    message: "cannot define \(keyText) with a dotted key: the table [\(Self.render(path))] has its "
                        + "own header (at line \(child.definedAt.line)); write the key under that header")
            }
            table = child
        }
        if let last = key.last, let slot = table[last.name] {
            let keyText = Self.render(table.path + [last.name])
            let what: String
            if case .value = slot.content { what = "" } else { what = " as \(Self.describe(slot.content))" }
            throw TOMLParseError(
                position: last.position,
                message: "the key \(keyText) is defined twice (first\(what) at line \(slot.position.line))")
        }
        return table
    }

    private mutating func newTable(
        named part: Key, in parent: TOMLTableBuilder, origin: TOMLTableBuilder.Origin
    ) throws(TOMLParseError) -> TOMLTableBuilder {
        let depth = parent.depth + 1
        guard depth <= Self.maximumDepth else { throw tooDeep(at: part.position) }
        let table = TOMLTableBuilder(
            path: parent.path + [part.name], depth: depth, origin: origin, definedAt: part.position)
        parent.add(part.name, at: part.position, .table(table))
        return table
    }

    // MARK: - Messages

    /// "cannot define [a.b]: a is already an integer (at line 1)".
    private func alreadyDefined(
        _ path: [String], _ slot: TOMLTableBuilder.Slot, _ action: String, at position: TOMLPosition
    ) -> TOMLParseError {
        var message = "\(action): \(Self.render(path)) is already \(Self.describe(slot.content)) "
        message += "(at line \(slot.position.line))"
        switch slot.content {
        case .value(.table): message += ", and inline tables cannot be extended"
        case .value(.array): message += ", and static arrays cannot be extended"
        default: break
        }
        return TOMLParseError(position: position, message: message)
    }

    func tooDeep(at position: TOMLPosition) -> TOMLParseError {
        TOMLParseError(position: position, message: "tables and arrays are nested more than \(Self.maximumDepth) deep")
    }

    mutating func tooDeep(at offset: Int) -> TOMLParseError {
        tooDeep(at: position(of: offset))
    }

    private static func describe(_ content: TOMLTableBuilder.Content) -> String {
        switch content {
        case .table: return "a table"
        case .arrayOfTables: return "an array of tables"
        case .value(.table): return "an inline table"
        case .value(.array): return "a static array"
        case .value(let value): return value.kindDescription
        }
    }

    /// A key path as TOML writes it (`api.base_url`, `limits."not a uuid"`), with the policy's own rendering.
    static func render(_ path: [String]) -> String {
        path.map { PolicyKeyPath.render(key: $0) }.joined(separator: ".")
    }
}
