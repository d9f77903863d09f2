/// Finds the line on which each key of a TOML document is defined, because TOMLKit reports values but not where
/// they are.
///
/// It runs only on text that TOMLKit has already parsed, so it does not validate; it just follows the structure:
/// `[table]` and `[[array.of.tables]]` headers, bare, quoted and dotted keys, comments, basic and literal strings
/// (single- and multi-line), multi-line arrays and inline tables.
///
/// Limits, none of which matter for the policy file:
/// - Every element of an array of tables (`[[x]]`) shares the path `x`; keys get the line of their first
///   definition.
/// - Elements of arrays have no line of their own: `allow[2]` is located at `allow`.
/// - Escapes in quoted keys are decoded for the common forms (`\"`, `\\`, `\t`, `\n`, `\uXXXX`, …); a key
///   the locator cannot match falls back to its nearest located ancestor, then to line 1.
struct TOMLKeyLocator {
    private var lines: [[String]: Int] = [:]

    init(text: String) {
        var scanner = Scanner(bytes: Array(text.utf8))
        var found: [[String]: Int] = [:]
        scanner.document { path, line in
            // TOML forbids defining a key twice, but a table may be opened implicitly (`[a.b]` before `[a]`):
            // the first mention is where the operator will look.
            if found[path] == nil { found[path] = line }
        }
        lines = found
    }

    /// The 1-based line of `path`, else of its nearest located ancestor, else 1.
    func line(of path: [String]) -> Int {
        var path = path
        while !path.isEmpty {
            if let line = lines[path] { return line }
            path.removeLast()
        }
        return 1
    }
}

extension TOMLKeyLocator {
    /// A byte-level walk over the document; `record` is told every key path (and each of its prefixes) with its line.
    fileprivate struct Scanner {
        let bytes: [UInt8]
        var position = 0
        var line = 1

        init(bytes: [UInt8]) {
            self.bytes = bytes
            // A UTF-8 byte order mark is not part of the first key.
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
        }

        private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

        private func peek(_ offset: Int) -> UInt8? {
            position + offset < bytes.count ? bytes[position + offset] : nil
        }

        mutating func document(record: (_ path: [String], _ line: Int) -> Void) {
            var table: [String] = []
            while true {
                skipWhitespaceNewlinesAndComments()
                guard let byte = current else { return }
                let start = position
                if byte == UInt8(ascii: "[") {
                    let isArrayTable = peek(1) == UInt8(ascii: "[")
                    position += isArrayTable ? 2 : 1
                    let headerLine = line
                    table = key()
                    recordWithPrefixes(table, line: headerLine, record: record)
                    skipToEndOfLine()
                } else {
                    keyValue(in: table, record: record)
                    skipToEndOfLine()
                }
                if position == start { position += 1 }  // Never loop on text this walker does not understand.
            }
        }

        /// `key = value`, the key recorded under `table`.
        private mutating func keyValue(in table: [String], record: (_ path: [String], _ line: Int) -> Void) {
            let keyLine = line
            let path = table + key()
            recordWithPrefixes(path, line: keyLine, record: record)
            skipSpaces()
            guard current == UInt8(ascii: "=") else { return }
            position += 1
            skipSpaces()
            value(at: path, record: record)
        }

        private func recordWithPrefixes(
            _ path: [String], line: Int, record: (_ path: [String], _ line: Int) -> Void
        ) {
            guard !path.isEmpty else { return }
            for count in 1...path.count { record(Array(path.prefix(count)), line) }
        }

        /// A dotted key: `a`, `"a b".c`, `'x' . y`.
        private mutating func key() -> [String] {
            var parts: [String] = []
            while true {
                skipSpaces()
                guard let byte = current else { return parts }
                switch byte {
                case UInt8(ascii: "\""):
                    parts.append(basicString())
                case UInt8(ascii: "'"):
                    parts.append(literalString())
                default:
                    let start = position
                    while let byte = current, Self.isBareKeyByte(byte) { position += 1 }
                    guard position > start else { return parts }
                    parts.append(String(decoding: bytes[start..<position], as: UTF8.self))
                }
                skipSpaces()
                guard current == UInt8(ascii: ".") else { return parts }
                position += 1
            }
        }

        /// Skips one value; inline tables are walked so their keys are recorded too.
        private mutating func value(at path: [String], record: (_ path: [String], _ line: Int) -> Void) {
            guard let byte = current else { return }
            switch byte {
            case UInt8(ascii: "\""):
                _ = basicString()
            case UInt8(ascii: "'"):
                _ = literalString()
            case UInt8(ascii: "["):
                array(record: record)
            case UInt8(ascii: "{"):
                inlineTable(at: path, record: record)
            default:
                // Numbers, booleans, dates: up to whatever ends them.
                while let byte = current, !Self.endsScalar(byte) { position += 1 }
            }
        }

        private mutating func array(record: (_ path: [String], _ line: Int) -> Void) {
            position += 1  // [
            while true {
                skipWhitespaceNewlinesAndComments()
                guard let byte = current else { return }
                if byte == UInt8(ascii: "]") {
                    position += 1
                    return
                }
                if byte == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                let start = position
                value(at: [], record: { _, _ in })
                if position == start { position += 1 }
            }
        }

        private mutating func inlineTable(at path: [String], record: (_ path: [String], _ line: Int) -> Void) {
            position += 1  // {
            while true {
                skipWhitespaceNewlinesAndComments()
                guard let byte = current else { return }
                if byte == UInt8(ascii: "}") {
                    position += 1
                    return
                }
                if byte == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                let start = position
                keyValue(in: path, record: record)
                if position == start { position += 1 }
            }
        }

        /// `"…"` or `"""…"""`, positioned on the first quote; returns the decoded text.
        private mutating func basicString() -> String {
            let multiLine = peek(1) == UInt8(ascii: "\"") && peek(2) == UInt8(ascii: "\"")
            position += multiLine ? 3 : 1
            var decoded: [UInt8] = []
            while let byte = current {
                if byte == UInt8(ascii: "\\") {
                    position += 1
                    appendEscape(to: &decoded)
                    continue
                }
                if byte == UInt8(ascii: "\"") {
                    if !multiLine {
                        position += 1
                        break
                    }
                    if peek(1) == UInt8(ascii: "\""), peek(2) == UInt8(ascii: "\"") {
                        position += 3
                        // Up to two more quotes belong to the content: `""""` ends with one quote inside.
                        while current == UInt8(ascii: "\"") { position += 1 }
                        break
                    }
                }
                if byte == UInt8(ascii: "\n") { line += 1 }
                decoded.append(byte)
                position += 1
            }
            return String(decoding: decoded, as: UTF8.self)
        }

        /// `'…'` or `'''…'''`, positioned on the first quote.
        private mutating func literalString() -> String {
            let multiLine = peek(1) == UInt8(ascii: "'") && peek(2) == UInt8(ascii: "'")
            position += multiLine ? 3 : 1
            let start = position
            while let byte = current {
                if byte == UInt8(ascii: "'") {
                    if !multiLine {
                        defer { position += 1 }
                        return String(decoding: bytes[start..<position], as: UTF8.self)
                    }
                    if peek(1) == UInt8(ascii: "'"), peek(2) == UInt8(ascii: "'") {
                        let end = position
                        position += 3
                        while current == UInt8(ascii: "'") { position += 1 }
                        return String(decoding: bytes[start..<end], as: UTF8.self)
                    }
                }
                if byte == UInt8(ascii: "\n") { line += 1 }
                position += 1
            }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }

        /// After a backslash inside a basic string.
        private mutating func appendEscape(to decoded: inout [UInt8]) {
            guard let byte = current else { return }
            position += 1
            switch byte {
            case UInt8(ascii: "b"): decoded.append(0x08)
            case UInt8(ascii: "t"): decoded.append(0x09)
            case UInt8(ascii: "n"): decoded.append(0x0A)
            case UInt8(ascii: "f"): decoded.append(0x0C)
            case UInt8(ascii: "r"): decoded.append(0x0D)
            case UInt8(ascii: "u"), UInt8(ascii: "U"):
                let count = byte == UInt8(ascii: "u") ? 4 : 8
                let end = min(position + count, bytes.count)
                let hex = String(decoding: bytes[position..<end], as: UTF8.self)
                position = end
                if let value = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(value) {
                    decoded.append(contentsOf: Array(String(Character(scalar)).utf8))
                }
            case UInt8(ascii: "\n"), UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                // A line-ending backslash in a multi-line string swallows the following whitespace.
                position -= 1
                while let next = current, next == 0x20 || next == 0x09 || next == 0x0A || next == 0x0D {
                    if next == 0x0A { line += 1 }
                    position += 1
                }
            default:
                decoded.append(byte)  // \" and \\ (and anything TOML would have refused).
            }
        }

        private mutating func skipSpaces() {
            while let byte = current, byte == 0x20 || byte == 0x09 { position += 1 }
        }

        private mutating func skipComment() {
            guard current == UInt8(ascii: "#") else { return }
            while let byte = current, byte != 0x0A { position += 1 }
        }

        private mutating func skipToEndOfLine() {
            skipSpaces()
            skipComment()
            while let byte = current, byte != 0x0A { position += 1 }
        }

        private mutating func skipWhitespaceNewlinesAndComments() {
            while let byte = current {
                switch byte {
                case 0x20, 0x09, 0x0D:
                    position += 1
                case 0x0A:
                    position += 1
                    line += 1
                case UInt8(ascii: "#"):
                    skipComment()
                default:
                    return
                }
            }
        }

        private static func isBareKeyByte(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
                return true
            default:
                return false
            }
        }

        private static func endsScalar(_ byte: UInt8) -> Bool {
            switch byte {
            case 0x0A, 0x0D, UInt8(ascii: "#"), UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"):
                return true
            default:
                return false
            }
        }
    }
}
