/// A place in a TOML document: a 1-based line and a 1-based column.
///
/// Columns count Unicode scalars from the start of the line (a tab is one column, and a UTF-8 byte order mark at the
/// start of the file is not counted), so they match what an editor shows for the text.
struct TOMLPosition: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// 1-based.
    var line: Int
    /// 1-based.
    var column: Int

    var description: String { "\(line):\(column)" }

    static func < (lhs: TOMLPosition, rhs: TOMLPosition) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }
}
