/// Integers and floats, from a token of number-like bytes (`TOMLParser+Values.swift`). Errors point at the offending
/// byte when there is one, else at the start of the number; they never repeat the number.
extension TOMLParser {
    /// `token` is the whole number as written, starting at byte offset `start`.
    mutating func number(_ token: [UInt8], at start: Int) throws(TOMLParseError) -> TOMLValue {
        var body = token[...]
        var negative = false
        var signed = false
        if let first = body.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            signed = true
            negative = first == UInt8(ascii: "-")
            body = body.dropFirst()
        }
        if body.elementsEqual("inf".utf8) { return .float(negative ? -.infinity : .infinity) }
        if body.elementsEqual("nan".utf8) { return .float(negative ? -.nan : .nan) }

        if body.count >= 2, body.first == UInt8(ascii: "0"), let radix = Self.radix(body[body.startIndex + 1]) {
            guard !signed else {
                throw error(at: start, "a sign is not allowed before a \(radix.name) integer")
            }
            let digits = body.dropFirst(2)
            return .integer(try radixInteger(digits, radix: radix, at: start))
        }

        let isFloatMark = { (byte: UInt8) in
            byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
        }
        let integerPart = body.prefix { !isFloatMark($0) }
        try checkDigits(
            integerPart, start: start, isDigit: Self.isDigit,
            empty: signed ? "expected a digit after the sign" : "a number must start with a digit")
        if integerPart.count > 1, integerPart.first == UInt8(ascii: "0") {
            throw error(at: start, "leading zeros are not allowed in a decimal number")
        }
        var rest = body[integerPart.endIndex...]
        var isFloat = false
        if rest.first == UInt8(ascii: ".") {
            isFloat = true
            rest = rest.dropFirst()
            let fraction = rest.prefix { $0 != UInt8(ascii: "e") && $0 != UInt8(ascii: "E") }
            try checkDigits(
                fraction, start: start, isDigit: Self.isDigit, empty: "expected a digit after the decimal point")
            rest = rest[fraction.endIndex...]
        }
        if let mark = rest.first, mark == UInt8(ascii: "e") || mark == UInt8(ascii: "E") {
            isFloat = true
            rest = rest.dropFirst()
            if let sign = rest.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { rest = rest.dropFirst() }
            try checkDigits(rest, start: start, isDigit: Self.isDigit, empty: "expected a digit in the exponent")
        }
        guard isFloat else { return .integer(try decimalInteger(integerPart, negative: negative, at: start)) }
        // Checked above: digits, at most one point and one exponent; `Double` does the rounding.
        guard let value = Double(String(decoding: token.filter { $0 != UInt8(ascii: "_") }, as: UTF8.self)) else {
            throw error(at: start, "invalid float")
        }
        return .float(value)
    }

    /// `0x`, `0o`, `0b`.
    struct Radix {
        var base: UInt64
        var name: String
        var isDigit: (UInt8) -> Bool
    }

    private static func radix(_ letter: UInt8) -> Radix? {
        switch letter {
        case UInt8(ascii: "x"): return Radix(base: 16, name: "hexadecimal") { hexDigitValue($0) != nil }
        case UInt8(ascii: "o"):
            return Radix(base: 8, name: "octal") { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "7") }
        case UInt8(ascii: "b"):
            return Radix(base: 2, name: "binary") { $0 == UInt8(ascii: "0") || $0 == UInt8(ascii: "1") }
        default: return nil
        }
    }

    /// Digits with single underscores between them; `part` keeps the token's indices, so an error can point at its
    /// byte.
    private mutating func checkDigits(
        _ part: ArraySlice<UInt8>, start: Int, isDigit: (UInt8) -> Bool, empty: String
    ) throws(TOMLParseError) {
        guard !part.isEmpty else {
            throw error(at: start + part.startIndex, empty)
        }
        var afterDigit = false
        for (offset, byte) in zip(part.indices, part) {
            if byte == UInt8(ascii: "_") {
                guard afterDigit else {
                    throw error(at: start + offset, "an underscore in a number must be between two digits")
                }
                afterDigit = false
            } else if isDigit(byte) {
                afterDigit = true
            } else {
                let hint = Self.isLetter(byte) ? " (strings must be quoted)" : ""
                throw error(at: start + offset, "invalid character \(describe(at: start + offset)) in a number\(hint)")
            }
        }
        guard afterDigit else {
            let last = part.indices.last ?? part.startIndex
            throw error(at: start + last, "an underscore in a number must be between two digits")
        }
    }

    private mutating func decimalInteger(
        _ digits: ArraySlice<UInt8>, negative: Bool, at start: Int
    ) throws(TOMLParseError) -> Int64 {
        var magnitude: UInt64 = 0
        for byte in digits where byte != UInt8(ascii: "_") {
            let (shifted, overflow) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, carry) = shifted.addingReportingOverflow(UInt64(byte &- UInt8(ascii: "0")))
            guard !overflow, !carry else { throw integerOutOfRange(at: start) }
            magnitude = sum
        }
        let limit = UInt64(Int64.max)
        if negative {
            guard magnitude <= limit + 1 else { throw integerOutOfRange(at: start) }
            return magnitude == limit + 1 ? .min : -Int64(magnitude)
        }
        guard magnitude <= limit else { throw integerOutOfRange(at: start) }
        return Int64(magnitude)
    }

    private mutating func radixInteger(
        _ digits: ArraySlice<UInt8>, radix: Radix, at start: Int
    ) throws(TOMLParseError) -> Int64 {
        try checkDigits(digits, start: start, isDigit: radix.isDigit, empty: "expected \(radix.name) digits")
        var value: UInt64 = 0
        for byte in digits where byte != UInt8(ascii: "_") {
            let digit = UInt64(Self.hexDigitValue(byte) ?? 0)
            let (shifted, overflow) = value.multipliedReportingOverflow(by: radix.base)
            let (sum, carry) = shifted.addingReportingOverflow(digit)
            guard !overflow, !carry else { throw integerOutOfRange(at: start) }
            value = sum
        }
        guard value <= UInt64(Int64.max) else { throw integerOutOfRange(at: start) }
        return Int64(value)
    }

    private mutating func integerOutOfRange(at start: Int) -> TOMLParseError {
        error(
            at: start,
            "the integer does not fit in 64 bits (TOML integers are from -9223372036854775808 to 9223372036854775807)")
    }
}
