extension TOMLParser {
    /// The value after `=` or in an array. `depth` is the nesting depth the value would have; `path` names its key,
    /// for messages about keys inside inline tables.
    mutating func value(depth: Int, path: [String]) throws(TOMLParseError) -> TOMLValue {
        guard let byte = peek() else {
            throw error(at: index, "expected a value, found the end of the file")
        }
        switch byte {
        case UInt8(ascii: "\""):
            if peek(1) == byte, peek(2) == byte { return .string(try multiLineBasicString()) }
            return .string(try basicString())
        case UInt8(ascii: "'"):
            if peek(1) == byte, peek(2) == byte { return .string(try multiLineLiteralString()) }
            return .string(try literalString())
        case UInt8(ascii: "["):
            return try array(depth: depth, path: path)
        case UInt8(ascii: "{"):
            return try inlineTable(depth: depth, path: path)
        default:
            return try bareValue()
        }
    }

    // MARK: - Arrays and inline tables

    /// `[ 1, "two", [3], ]`: over several lines, with comments and a trailing comma.
    private mutating func array(depth: Int, path: [String]) throws(TOMLParseError) -> TOMLValue {
        let open = index
        guard depth <= Self.maximumDepth else { throw tooDeep(at: open) }
        advance()  // [
        var elements: [TOMLValue] = []
        while true {
            try skipBlanks()
            guard let byte = peek() else { throw unclosed("array", opened: open, expected: "a value or ']'") }
            if byte == UInt8(ascii: "]") {
                advance()
                return .array(elements)
            }
            if byte == UInt8(ascii: ",") { throw error(at: index, "expected a value before ','") }
            elements.append(try value(depth: depth + 1, path: path))
            try skipBlanks()
            switch peek() {
            case UInt8(ascii: ",")?:
                advance()
            case UInt8(ascii: "]")?:
                advance()
                return .array(elements)
            case nil:
                throw unclosed("array", opened: open, expected: "',' or ']' after an array element")
            default:
                throw error(at: index, "expected ',' or ']' after an array element, found \(describe(at: index))")
            }
        }
    }

    /// `{ a = 1, b.c = "x" }`: on one line, no trailing comma, and closed for good at its `}`.
    private mutating func inlineTable(depth: Int, path: [String]) throws(TOMLParseError) -> TOMLValue {
        let open = index
        guard depth <= Self.maximumDepth else { throw tooDeep(at: open) }
        advance()  // {
        let table = TOMLTableBuilder(path: path, depth: depth, origin: .header, definedAt: position(of: open))
        let section = newSection()
        skipSpaces()
        if peek() == UInt8(ascii: "}") {
            advance()
            return .table(table.build())
        }
        var comma: Int?
        while true {
            skipSpaces()
            switch peek() {
            case nil:
                throw unclosed("inline table", opened: open, expected: "a key")
            case Self.lineFeed?, Self.carriageReturn?:
                throw error(at: index, "an inline table must be on one line: expected a key, found the end of the line")
            case UInt8(ascii: "}")? where comma != nil:
                throw error(at: comma ?? index, "a trailing comma is not allowed in an inline table")
            default:
                try keyValue(in: table, section: section, expecting: "a key")
            }
            skipSpaces()
            switch peek() {
            case UInt8(ascii: ",")?:
                comma = index
                advance()
            case UInt8(ascii: "}")?:
                advance()
                return .table(table.build())
            case nil:
                throw unclosed("inline table", opened: open, expected: "',' or '}'")
            case Self.lineFeed?, Self.carriageReturn?:
                throw error(
                    at: index, "an inline table must be on one line: expected ',' or '}', found the end of the line")
            default:
                throw error(
                    at: index, "expected ',' or '}' after a value in an inline table, found \(describe(at: index))")
            }
        }
    }

    /// "expected … , found the end of the file; the array opened at line 1, column 5 is not closed".
    private mutating func unclosed(_ what: String, opened open: Int, expected: String) -> TOMLParseError {
        let opened = position(of: open)
        return error(
            at: index,
            "expected \(expected), found the end of the file; the \(what) opened at line \(opened.line), "
                + "column \(opened.column) is not closed")
    }

    // MARK: - Unquoted values

    /// A boolean, number or date-time: a run of letters, digits and `_ + - . :`, classified as a whole, so that
    /// `truex` or `45min` is one mistake rather than a value followed by junk.
    private mutating func bareValue() throws(TOMLParseError) -> TOMLValue {
        let start = index
        skipToken()
        guard index > start else {
            throw error(at: start, "expected a value, found \(describe(at: start))")
        }
        // A date, a space and a time are one date-time: `1979-05-27 07:32:00Z`.
        if index - start == 10, Self.startsLikeDate(bytes[start..<index]), peek() == 0x20,
            let first = peek(1), let second = peek(2), Self.isDigit(first), Self.isDigit(second),
            peek(3) == UInt8(ascii: ":")
        {
            advance()
            skipToken()
        }
        let token = Array(bytes[start..<index])
        if token.elementsEqual("true".utf8) { return .boolean(true) }
        if token.elementsEqual("false".utf8) { return .boolean(false) }
        if Self.startsLikeDate(token[...]) { return try dateTime(token, at: start) }
        if token.count >= 3, Self.isDigit(token[0]), Self.isDigit(token[1]), token[2] == UInt8(ascii: ":") {
            return try dateTime(token, at: start)
        }
        let unsigned = token.drop { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") }
        if let first = unsigned.first, Self.isLetter(first), !unsigned.elementsEqual("inf".utf8),
            !unsigned.elementsEqual("nan".utf8)
        {
            let lowered = String(decoding: token, as: UTF8.self).lowercased()
            if lowered == "true" || lowered == "false" {
                throw error(at: start, "booleans are written in lower case: true or false")
            }
            throw error(
                at: start,
                "expected a value (a string, number, boolean, date-time, array or inline table), found a bare word; "
                    + "strings must be quoted")
        }
        return try number(token, at: start)
    }

    private mutating func skipToken() {
        while let byte = peek(), Self.isTokenByte(byte) { advance() }
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "+"), UInt8(ascii: "-"),
            UInt8(ascii: "."), UInt8(ascii: ":"):
            return true
        default:
            return false
        }
    }

    /// Four digits and a dash: the start of `YYYY-MM-DD`.
    private static func startsLikeDate(_ token: ArraySlice<UInt8>) -> Bool {
        let head = token.prefix(5)
        return head.count == 5 && head.dropLast().allSatisfy(isDigit) && head.last == UInt8(ascii: "-")
    }

    static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }
}
