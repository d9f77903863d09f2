/// The four kinds of TOML strings. The text is valid UTF-8 (it came from a `String`), so bytes other than quotes,
/// backslashes and control characters are copied as they are.
extension TOMLParser {
    /// `"…"`, positioned on the quote: escapes, no line end.
    mutating func basicString() throws(TOMLParseError) -> String {
        let open = index
        advance()
        var text: [UInt8] = []
        while true {
            guard let byte = peek() else { throw unterminated(open, "'\"' before the end of the file") }
            switch byte {
            case UInt8(ascii: "\""):
                advance()
                return String(decoding: text, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try escape(into: &text, multiLine: false)
            case Self.lineFeed, Self.carriageReturn:
                throw unterminated(open, "'\"' before the end of the line (use \"\"\" for a string of several lines)")
            default:
                try checkStringByte(byte)
                text.append(byte)
                advance()
            }
        }
    }

    /// `'…'`, positioned on the apostrophe: no escapes, no line end.
    mutating func literalString() throws(TOMLParseError) -> String {
        let open = index
        advance()
        let start = index
        while true {
            guard let byte = peek() else { throw unterminated(open, "\"'\" before the end of the file") }
            switch byte {
            case UInt8(ascii: "'"):
                let text = String(decoding: bytes[start..<index], as: UTF8.self)
                advance()
                return text
            case Self.lineFeed, Self.carriageReturn:
                throw unterminated(open, "\"'\" before the end of the line (use ''' for a string of several lines)")
            default:
                try checkStringByte(byte)
                advance()
            }
        }
    }

    /// `"""…"""`, positioned on the first quote: escapes, line ends, a line-ending backslash that joins lines, and up
    /// to two quotes of content before the closing three.
    mutating func multiLineBasicString() throws(TOMLParseError) -> String {
        let open = index
        advance(3)
        skipFirstLineEnd()
        var text: [UInt8] = []
        while true {
            guard let byte = peek() else { throw unterminated(open, "'\"\"\"' before the end of the file") }
            switch byte {
            case UInt8(ascii: "\""):
                if closeMultiLine(quote: byte, into: &text) { return String(decoding: text, as: UTF8.self) }
            case UInt8(ascii: "\\"):
                try escape(into: &text, multiLine: true)
            case Self.lineFeed, Self.carriageReturn:
                try lineEnd(into: &text)
            default:
                try checkStringByte(byte)
                text.append(byte)
                advance()
            }
        }
    }

    /// `'''…'''`, positioned on the first apostrophe: no escapes, line ends allowed.
    mutating func multiLineLiteralString() throws(TOMLParseError) -> String {
        let open = index
        advance(3)
        skipFirstLineEnd()
        var text: [UInt8] = []
        while true {
            guard let byte = peek() else { throw unterminated(open, "\"'''\" before the end of the file") }
            switch byte {
            case UInt8(ascii: "'"):
                if closeMultiLine(quote: byte, into: &text) { return String(decoding: text, as: UTF8.self) }
            case Self.lineFeed, Self.carriageReturn:
                try lineEnd(into: &text)
            default:
                try checkStringByte(byte)
                text.append(byte)
                advance()
            }
        }
    }

    // MARK: - Parts

    /// A line end right after the opening delimiter is not part of the string.
    private mutating func skipFirstLineEnd() {
        if peek() == Self.lineFeed {
            advance()
        } else if peek() == Self.carriageReturn, peek(1) == Self.lineFeed {
            advance(2)
        }
    }

    /// On a run of quotes in a multi-line string: three or more close it (the first one or two of up to five belong
    /// to the text, as in `""""a"""""`); fewer are text.
    private mutating func closeMultiLine(quote: UInt8, into text: inout [UInt8]) -> Bool {
        var run = 0
        while run < 5, peek(run) == quote { run += 1 }
        if run >= 3 {
            text.append(contentsOf: repeatElement(quote, count: run - 3))
            advance(run)
            return true
        }
        text.append(contentsOf: repeatElement(quote, count: run))
        advance(run)
        return false
    }

    /// LF or CRLF inside a multi-line string, kept as LF.
    private mutating func lineEnd(into text: inout [UInt8]) throws(TOMLParseError) {
        if peek() == Self.carriageReturn {
            guard peek(1) == Self.lineFeed else { throw bareCarriageReturn(at: index) }
            advance()
        }
        text.append(Self.lineFeed)
        advance()
    }

    private mutating func checkStringByte(_ byte: UInt8) throws(TOMLParseError) {
        guard Self.isControl(byte) else { return }
        let hex = String(byte, radix: 16, uppercase: true)
        let escape = "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        throw error(at: index, "\(describe(at: index)) must be escaped in a string (write \(escape) in a basic string)")
    }

    /// A backslash and what follows it, in a basic string.
    private mutating func escape(into text: inout [UInt8], multiLine: Bool) throws(TOMLParseError) {
        let start = index
        advance()  // \
        guard let byte = peek() else {
            throw error(at: start, "expected an escape after '\\', found the end of the file")
        }
        if let decoded = Self.simpleEscapes[byte] {
            text.append(decoded)
            advance()
            return
        }
        switch byte {
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            try unicodeEscape(into: &text, digits: byte == UInt8(ascii: "u") ? 4 : 8, at: start)
        case 0x20, 0x09, Self.lineFeed, Self.carriageReturn:
            guard multiLine else { throw invalidEscape(at: start) }
            try lineEndingBackslash(at: start)
        default:
            throw invalidEscape(at: start)
        }
    }

    /// `\b \t \n \f \r \" \\` and what they stand for.
    private static let simpleEscapes: [UInt8: UInt8] = [
        UInt8(ascii: "b"): 0x08, UInt8(ascii: "t"): 0x09, UInt8(ascii: "n"): 0x0A, UInt8(ascii: "f"): 0x0C,
        UInt8(ascii: "r"): 0x0D, UInt8(ascii: "\""): 0x22, UInt8(ascii: "\\"): 0x5C,
    ]

    private mutating func invalidEscape(at start: Int) -> TOMLParseError {
        let next = start + 1
        let shown =
            next < bytes.count && (0x21..<0x7F).contains(bytes[next])
            ? "\\\(Character(Unicode.Scalar(bytes[next])))" : "'\\' before \(describe(at: next))"
        return error(
            at: start, "invalid escape \(shown); TOML allows \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX and \\UXXXXXXXX")
    }

    /// `\u00E9` or `\U0001F600`, positioned on the `u`.
    private mutating func unicodeEscape(into text: inout [UInt8], digits: Int, at start: Int) throws(TOMLParseError) {
        advance()  // u or U
        var value: UInt32 = 0
        for _ in 0..<digits {
            guard let byte = peek(), let digit = Self.hexDigitValue(byte) else {
                let letter = digits == 4 ? "u" : "U"
                throw error(at: start, "\\\(letter) must be followed by exactly \(digits) hexadecimal digits")
            }
            value = value << 4 | UInt32(digit)  // At most 8 digits: fits in 32 bits.
            advance()
        }
        let shown = String(decoding: bytes[start..<index], as: UTF8.self)
        if (0xD800...0xDFFF).contains(value) {
            throw error(at: start, "\(shown) is a surrogate code point, not a Unicode scalar value")
        }
        guard let scalar = Unicode.Scalar(value) else {
            throw error(at: start, "\(shown) is beyond U+10FFFF, the last Unicode code point")
        }
        text.append(contentsOf: String(Character(scalar)).utf8)
    }

    /// A backslash that ends a line of a multi-line basic string: it, the line end and all the white space after it
    /// are dropped. Positioned just after the backslash.
    private mutating func lineEndingBackslash(at start: Int) throws(TOMLParseError) {
        skipSpaces()
        guard peek() == Self.lineFeed || (peek() == Self.carriageReturn && peek(1) == Self.lineFeed) else {
            throw error(
                at: start,
                "a backslash followed by spaces must end the line in a multi-line string (write \\\\ for a backslash)")
        }
        while let byte = peek() {
            switch byte {
            case 0x20, 0x09, Self.lineFeed:
                advance()
            case Self.carriageReturn:
                guard peek(1) == Self.lineFeed else { throw bareCarriageReturn(at: index) }
                advance(2)
            default:
                return
            }
        }
    }

    /// "the string is not closed: expected …", at the opening quote, which is where the operator should look.
    private mutating func unterminated(_ open: Int, _ expected: String) -> TOMLParseError {
        error(at: open, "the string is not closed: expected \(expected)")
    }

    static func hexDigitValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
