/// A TOML 1.0 parser (https://toml.io/en/v1.0.0) that records where every key was defined.
///
/// ```swift
/// let document = try TOMLParser.parse("[api]\nregion = \"eu1\"\n")
/// document["api"]?.table?["region"]              // .string("eu1")
/// document["api"]?.table?.position(of: "region")  // line 2, column 1
/// ```
///
/// Why the daemon has its own: TOMLKit 0.6.0, a wrapper over the C++ toml++, aborted the process on 8 of 500 mutated
/// policies (SIGABRT from an assertion in toml++'s `parse_key`; the two bytes `[\n` were enough), so a `SIGHUP` reload
/// of a bad file took the running daemon down. And because TOMLKit reports no positions, the policy code needed a
/// second scanner of its own (`TOMLKeyLocator.swift`, 311 lines) to find the line of each key. A parser that records
/// the line of every key replaces both.
///
/// What it promises, since a trap here is a crash of the daemon:
/// - Any text gives a `TOMLTable` or a `TOMLParseError` with a 1-based line and column; nothing traps. Every index is
///   checked, arithmetic on numbers from the text reports overflow (an integer outside 64 bits is an error), and
///   tables and arrays nest at most `maximumDepth` deep, so no input can exhaust the stack.
/// - The work is linear in the length of the text (the policy file is at most 1 MiB).
///
/// It implements all of TOML 1.0: bare, quoted and dotted keys; the four kinds of strings with every escape; decimal,
/// hexadecimal, octal and binary integers; floats with `inf` and `nan`; booleans; the four date-time forms (kept as
/// their checked text); arrays; inline tables; `[table]` and `[[array of tables]]` headers with every redefinition
/// rule (`TOMLParser+Tables.swift`); comments; LF and CRLF line ends; a UTF-8 byte order mark. Control characters
/// other than tab are refused wherever they appear, as TOML requires.
///
/// Layout: this file walks lines, headers and keys; `+Tables` applies the rules for defining tables, `+Values` reads
/// values, arrays and inline tables, `+Strings`, `+Numbers` and `+DateTimes` the scalars.
struct TOMLParser {
    /// The deepest nesting of tables and arrays accepted (the root table is depth 0). Deeper input is an error rather
    /// than a risk to the stack: parsing and the value types recurse once per level.
    static let maximumDepth = 100

    /// Parses a whole document.
    static func parse(_ text: String) throws(TOMLParseError) -> TOMLTable {
        var parser = TOMLParser(text)
        try parser.document()
        return parser.root.build()
    }

    /// One part of a (possibly dotted) key, decoded, with the position of its first character.
    struct Key {
        var name: String
        var position: TOMLPosition
    }

    let bytes: [UInt8]
    /// The next byte to read; never beyond `bytes.count`.
    var index: Int
    /// The offset at which each line starts; line 1 starts after a byte order mark.
    private let lineStarts: [Int]
    /// The last position computed, so that many keys on one long line do not each count the line from its start.
    private var lastPosition = (offset: 0, line: 0, column: 1)

    let root: TOMLTableBuilder
    /// The table that the last header opened (the root before any header); `key = value` lines go into it.
    var current: TOMLTableBuilder
    /// The number of the current header's section, for the dotted-key rule (`TOMLTableBuilder.Origin.dotted`).
    var section = 0
    private var sectionCount = 0

    private init(_ text: String) {
        bytes = Array(text.utf8)
        let start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        index = start
        var starts = [start]
        for (offset, byte) in bytes.enumerated() where byte == Self.lineFeed {
            starts.append(offset + 1)
        }
        lineStarts = starts
        root = TOMLTableBuilder(path: [], depth: 0, origin: .header, definedAt: TOMLPosition(line: 1, column: 1))
        current = root
    }

    // MARK: - The document

    /// Lines of `key = value`, `[table]`, `[[array]]`, comments and blanks.
    private mutating func document() throws(TOMLParseError) {
        while true {
            skipSpaces()
            guard let byte = peek() else { return }
            switch byte {
            case UInt8(ascii: "["):
                try header()
                try endOfLine(after: "the table header")
            case UInt8(ascii: "#"), Self.lineFeed, Self.carriageReturn:
                try endOfLine(after: nil)
            default:
                try keyValue(in: current, section: section, expecting: "a key or a [table] header")
                try endOfLine(after: "the value")
            }
        }
    }

    /// `[a.b]` or `[[a.b]]`, positioned on the first bracket.
    private mutating func header() throws(TOMLParseError) {
        let isArray = peek(1) == UInt8(ascii: "[")
        advance(isArray ? 2 : 1)
        skipSpaces()
        let key = try self.key(expecting: isArray ? "a table name after '[['" : "a table name after '['")
        skipSpaces()
        if isArray {
            guard peek() == UInt8(ascii: "]"), peek(1) == UInt8(ascii: "]") else {
                let offset = peek() == UInt8(ascii: "]") ? index + 1 : index
                throw error(
                    at: offset, "expected ']]' to close the array-of-tables header, found \(describe(at: offset))")
            }
            advance(2)
            try openArrayOfTables(key)
        } else {
            guard peek() == UInt8(ascii: "]") else {
                throw error(at: index, "expected ']' to close the table header, found \(describe(at: index))")
            }
            advance()
            try openTable(key)
        }
        section = newSection()
    }

    /// `key = value` into `table` (the current header's table, or an inline table being read).
    mutating func keyValue(in table: TOMLTableBuilder, section: Int, expecting what: String) throws(TOMLParseError) {
        let key = try self.key(expecting: what, isKeyValue: true)
        skipSpaces()
        guard peek() == UInt8(ascii: "=") else {
            throw error(at: index, "expected '=' after the key, found \(describe(at: index))")
        }
        advance()
        skipSpaces()
        let parent = try tableForDottedKey(key, in: table, section: section)
        guard let last = key.last else { return }
        let value = try self.value(depth: parent.depth + 1, path: parent.path + [last.name])
        parent.add(last.name, at: last.position, .value(value))
    }

    /// After a header, a value or on a blank line: spaces, an optional comment, then a line end or the end of the
    /// file.
    private mutating func endOfLine(after what: String?) throws(TOMLParseError) {
        skipSpaces()
        if peek() == UInt8(ascii: "#") { try comment() }
        guard let byte = peek() else { return }
        if byte == Self.lineFeed {
            advance()
            return
        }
        if byte == Self.carriageReturn, peek(1) == Self.lineFeed {
            advance(2)
            return
        }
        if byte == Self.carriageReturn { throw bareCarriageReturn(at: index) }
        let found = describe(at: index)
        throw error(
            at: index, what.map { "expected the end of the line after \($0), found \(found)" } ?? "unexpected \(found)")
    }

    /// A number for a new section: a header's table or an inline table.
    mutating func newSection() -> Int {
        sectionCount += 1
        return sectionCount
    }

    // MARK: - Keys

    /// A dotted key: `a`, `"a b".c`, `'x' . y`.
    ///
    /// - Parameter isKeyValue: a key before `=`, which gets its own message when the key is missing (`= 1`).
    mutating func key(expecting what: String, isKeyValue: Bool = false) throws(TOMLParseError) -> [Key] {
        var parts = [try simpleKey(expecting: what, isKeyValue: isKeyValue)]
        while true {
            skipSpaces()
            guard peek() == UInt8(ascii: ".") else { return parts }
            advance()
            skipSpaces()
            parts.append(try simpleKey(expecting: "a key after '.'", isKeyValue: false))
        }
    }

    private mutating func simpleKey(expecting what: String, isKeyValue: Bool) throws(TOMLParseError) -> Key {
        let start = index
        let position = position(of: start)
        guard let byte = peek() else {
            throw error(at: start, "expected \(what), found the end of the file")
        }
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            if peek(1) == byte, peek(2) == byte {
                throw error(at: start, "a multi-line string cannot be a key; quote keys with \" or '")
            }
            let name = byte == UInt8(ascii: "\"") ? try basicString() : try literalString()
            return Key(name: name, position: position)
        case _ where Self.isBareKeyByte(byte):
            while let next = peek(), Self.isBareKeyByte(next) { advance() }
            return Key(name: String(decoding: bytes[start..<index], as: UTF8.self), position: position)
        case UInt8(ascii: "=") where isKeyValue:
            throw error(at: start, "expected a key before '='")
        default:
            throw error(at: start, "expected \(what), found \(describe(at: start))")
        }
    }

    /// `A-Z a-z 0-9 _ -`: TOML 1.0 bare keys.
    static func isBareKeyByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    // MARK: - Reading

    static let lineFeed: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D

    /// The byte `ahead` places after the next one, or `nil` past the end.
    func peek(_ ahead: Int = 0) -> UInt8? {
        let offset = index + ahead
        return offset < bytes.count ? bytes[offset] : nil
    }

    mutating func advance(_ count: Int = 1) {
        index = min(index + count, bytes.count)
    }

    mutating func skipSpaces() {
        while let byte = peek(), byte == 0x20 || byte == 0x09 { advance() }
    }

    /// Spaces, tabs, line ends and comments, as allowed between the elements of an array.
    mutating func skipBlanks() throws(TOMLParseError) {
        while let byte = peek() {
            switch byte {
            case 0x20, 0x09, Self.lineFeed:
                advance()
            case Self.carriageReturn:
                guard peek(1) == Self.lineFeed else { throw bareCarriageReturn(at: index) }
                advance(2)
            case UInt8(ascii: "#"):
                try comment()
            default:
                return
            }
        }
    }

    /// `# …` up to, not including, the line end.
    mutating func comment() throws(TOMLParseError) {
        advance()  // #
        while let byte = peek(), byte != Self.lineFeed {
            if byte == Self.carriageReturn {
                guard peek(1) == Self.lineFeed else { throw bareCarriageReturn(at: index) }
                return
            }
            if Self.isControl(byte) {
                throw error(at: index, "\(describe(at: index)) is not allowed in a comment")
            }
            advance()
        }
    }

    /// A control character other than tab (line ends are handled before this is asked).
    static func isControl(_ byte: UInt8) -> Bool {
        (byte < 0x20 && byte != 0x09) || byte == 0x7F
    }

    // MARK: - Positions and errors

    /// The line and column of a byte offset.
    mutating func position(of offset: Int) -> TOMLPosition {
        let offset = min(max(offset, 0), bytes.count)
        // The last line that starts at or before the offset.
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let middle = low + (high - low + 1) / 2
            if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        let line = low + 1
        var from = lineStarts[low]
        var column = 1
        if lastPosition.line == line, lastPosition.offset >= from, lastPosition.offset <= offset {
            from = lastPosition.offset
            column = lastPosition.column
        }
        if from < offset {
            // One column per Unicode scalar: count the bytes that start one.
            for byteOffset in from..<offset where bytes[byteOffset] & 0xC0 != 0x80 { column += 1 }
        }
        lastPosition = (offset, line, column)
        return TOMLPosition(line: line, column: column)
    }

    mutating func error(at offset: Int, _ message: String) -> TOMLParseError {
        TOMLParseError(position: position(of: offset), message: message)
    }

    mutating func bareCarriageReturn(at offset: Int) -> TOMLParseError {
        error(at: offset, "a carriage return must be followed by a line feed")
    }

    /// What is at `offset`, for "found …" in messages: one character, never more of the text.
    func describe(at offset: Int) -> String {
        guard offset >= 0, offset < bytes.count else { return "the end of the file" }
        let byte = bytes[offset]
        switch byte {
        case Self.lineFeed:
            return "the end of the line"
        case Self.carriageReturn:
            return offset + 1 < bytes.count && bytes[offset + 1] == Self.lineFeed
                ? "the end of the line" : "a carriage return"
        case 0x00:
            return "the control character U+0000 (NUL)"
        case 0x20:
            return "a space"
        case _ where Self.isControl(byte):
            let hex = String(byte, radix: 16, uppercase: true)
            return "the control character U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        case 0x21..<0x7F, 0x09:
            return byte == 0x09 ? "a tab" : "'\(Character(Unicode.Scalar(byte)))'"
        default:
            // A non-ASCII character: its lead byte and continuation bytes.
            var end = offset + 1
            while end < bytes.count, end - offset < 4, bytes[end] & 0xC0 == 0x80 { end += 1 }
            return "'\(String(decoding: bytes[offset..<end], as: UTF8.self))'"
        }
    }
}
