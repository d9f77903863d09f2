/// Why a text is not a systemd time span. Each case names one mistake, so the message tells the operator what to fix.
public enum TimeSpanError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Nothing but whitespace.
    case empty
    /// A `-` where a number was expected (`-5s`, `1h -5min`); spans are never negative.
    case negative
    /// Something other than a number where a component must start (`min`, `5s, 3s`).
    case expectedNumber(found: String)
    /// A decimal point without a digit after it (`3.`, `3.s`).
    case missingFractionDigits(number: String)
    /// Letters after a number that are not a systemd time unit (`5mins`, `2 hrs`, `1mo`).
    case unknownUnit(String)
    /// Text that cannot follow a number written without a unit (`12.34.56`, `5!`).
    case unexpectedText(String)
    /// `infinity` together with anything else (`5s infinity`, `infinityx`).
    case infinityNotAlone
    /// More than `Int64.max` microseconds (about 292,000 years), systemd's own range.
    case overflow

    public var description: String {
        switch self {
        case .empty:
            return #"empty time span; write e.g. "90s", "45min", "1h 30min" or "infinity""#
        case .negative:
            return "time spans cannot be negative"
        case .expectedNumber(let found):
            return "expected a number at \(quotedForMessage(found))"
        case .missingFractionDigits(let number):
            return "\(quotedForMessage(number)) needs a digit after the decimal point"
        case .unknownUnit(let unit):
            return "unknown unit \(quotedForMessage(unit)); use us, ms, s, min, h, d, w, M (months) or y"
        case .unexpectedText(let text):
            return "unexpected \(quotedForMessage(text)) after a number"
        case .infinityNotAlone:
            return #""infinity" cannot be combined with anything else"#
        case .overflow:
            return "time span is too large (more than 292,000 years)"
        }
    }
}

extension TimeSpan: CustomStringConvertible {
    /// Parses a systemd.time(7) time span, the way systemd's `parse_sec()` does.
    ///
    /// - A component is a number with an optional unit; a number without a unit means seconds.
    /// - Components add up and may be written with or without spaces: `1h 30min`, `1h30min`, `5 s`.
    /// - Numbers may have a decimal fraction (`1.5h`, `.5s`); digits beyond microsecond precision are
    ///   dropped, as systemd does.
    /// - `infinity`, alone, is no limit. Leading and trailing whitespace is ignored.
    ///
    /// Units are case-sensitive (`m` is minutes, `M` months) and match whole words, so `5mins` is an
    /// unknown unit, as systemd also rejects it.
    ///
    /// | unit | spellings |
    /// |---|---|
    /// | microsecond | `usec`, `us`, `µs`, `μs` |
    /// | millisecond | `msec`, `ms` |
    /// | second | `seconds`, `second`, `sec`, `s` |
    /// | minute | `minutes`, `minute`, `min`, `m` |
    /// | hour | `hours`, `hour`, `hr`, `h` |
    /// | day | `days`, `day`, `d` |
    /// | week | `weeks`, `week`, `w` |
    /// | month (30.44 days) | `months`, `month`, `M` |
    /// | year (365.25 days) | `years`, `year`, `y` |
    public init(parsing text: String) throws(TimeSpanError) {
        var scanner = SpanScanner(text)
        scanner.skipWhitespace()
        if scanner.isAtEnd { throw .empty }
        if scanner.hasPrefix("infinity") {
            scanner.advance(by: 8)
            scanner.skipWhitespace()
            guard scanner.isAtEnd else { throw .infinityNotAlone }
            self = .infinity
            return
        }

        var total: UInt64 = 0
        while true {
            scanner.skipWhitespace()
            if scanner.isAtEnd { break }
            total = try Self.add(try scanner.component(), to: total)
        }
        guard total <= UInt64(Int64.max) else { throw .overflow }
        self = .finite(.microseconds(Int64(total)))
    }

    /// The canonical text: systemd's `format_timespan()` units, largest first, with no fractions
    /// (`1h 30min`, `45min`, `100ms`, `1w`, `0`, `infinity`). Parsing it gives the same value back for any
    /// span of whole microseconds; finer parts of a `Duration` are dropped.
    public var description: String {
        switch self {
        case .infinity:
            return "infinity"
        case .finite(let duration):
            let (seconds, attoseconds) = duration.components
            let micro = Int128(seconds) * 1_000_000 + Int128(attoseconds) / 1_000_000_000_000
            if micro < 0 { return "-" + Self.render(microseconds: UInt128(-micro)) }
            return Self.render(microseconds: UInt128(micro))
        }
    }

    /// One parsed component: `whole.fraction unit`, as integers so nothing is lost to floating point.
    fileprivate struct Component {
        var whole: UInt64
        var fractionDigits: [UInt64]
        var unitMicroseconds: UInt64
    }

    fileprivate static let units: [String: UInt64] = {
        let second: UInt64 = 1_000_000
        let groups: [([String], UInt64)] = [
            (["usec", "us", "µs", "μs"], 1),
            (["msec", "ms"], 1_000),
            (["seconds", "second", "sec", "s"], second),
            (["minutes", "minute", "min", "m"], 60 * second),
            (["hours", "hour", "hr", "h"], 3_600 * second),
            (["days", "day", "d"], 86_400 * second),
            (["weeks", "week", "w"], 604_800 * second),
            (["months", "month", "M"], 2_629_800 * second),
            (["years", "year", "y"], 31_557_600 * second),
        ]
        var table: [String: UInt64] = [:]
        for (names, size) in groups {
            for name in names { table[name] = size }
        }
        return table
    }()

    /// The units `description` writes, largest first (systemd's `format_timespan()` table).
    private static let renderUnits: [(name: String, microseconds: UInt128)] = [
        ("y", 31_557_600_000_000),
        ("month", 2_629_800_000_000),
        ("w", 604_800_000_000),
        ("d", 86_400_000_000),
        ("h", 3_600_000_000),
        ("min", 60_000_000),
        ("s", 1_000_000),
        ("ms", 1_000),
        ("us", 1),
    ]

    private static func render(microseconds: UInt128) -> String {
        if microseconds == 0 { return "0" }
        var rest = microseconds
        var parts: [String] = []
        for unit in renderUnits where rest >= unit.microseconds {
            parts.append("\(rest / unit.microseconds)\(unit.name)")
            rest %= unit.microseconds
        }
        return parts.joined(separator: " ")
    }

    private static func add(_ component: Component, to total: UInt64) throws(TimeSpanError) -> UInt64 {
        let (whole, wholeOverflow) = component.whole.multipliedReportingOverflow(by: component.unitMicroseconds)
        guard !wholeOverflow else { throw .overflow }
        var (sum, sumOverflow) = total.addingReportingOverflow(whole)
        guard !sumOverflow else { throw .overflow }
        // As systemd: each fraction digit is worth a tenth of the one before, in whole microseconds.
        var place = component.unitMicroseconds / 10
        for digit in component.fractionDigits where place > 0 {
            (sum, sumOverflow) = sum.addingReportingOverflow(digit * place)
            guard !sumOverflow else { throw .overflow }
            place /= 10
        }
        return sum
    }
}

/// Walks the text of a span one Unicode scalar at a time (`µs` is not ASCII).
private struct SpanScanner {
    private let scalars: [Unicode.Scalar]
    private var index = 0

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
    }

    var isAtEnd: Bool { index == scalars.count }

    mutating func advance(by count: Int) { index = min(index + count, scalars.count) }

    func hasPrefix(_ prefix: String) -> Bool {
        var position = index
        for scalar in prefix.unicodeScalars {
            guard position < scalars.count, scalars[position] == scalar else { return false }
            position += 1
        }
        return true
    }

    /// Skips systemd's `WHITESPACE` (space, tab, newline, carriage return); true if anything was skipped.
    @discardableResult
    mutating func skipWhitespace() -> Bool {
        let start = index
        while index < scalars.count, [" ", "\t", "\n", "\r"].contains(scalars[index]) { index += 1 }
        return index > start
    }

    /// Reads one `number [unit]` component; the scanner stands on a non-whitespace scalar.
    mutating func component() throws(TimeSpanError) -> TimeSpan.Component {
        let start = index
        if scalars[index] == "-" { throw .negative }
        if hasPrefix("infinity") { throw .infinityNotAlone }

        var whole: UInt64 = 0
        var wholeDigits = 0
        while let digit = digit(at: index) {
            let (times10, overflow1) = whole.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(digit)
            guard !overflow1, !overflow2 else { throw .overflow }
            whole = sum
            wholeDigits += 1
            index += 1
        }
        var fractionDigits: [UInt64] = []
        if index < scalars.count, scalars[index] == "." {
            index += 1
            while let digit = digit(at: index) {
                fractionDigits.append(digit)
                index += 1
            }
            if fractionDigits.isEmpty { throw .missingFractionDigits(number: text(start..<index)) }
        } else if wholeDigits == 0 {
            throw .expectedNumber(found: text(start..<scalars.count))
        }

        let spaced = skipWhitespace()
        let unitStart = index
        while index < scalars.count, scalars[index].properties.isAlphabetic { index += 1 }
        if index > unitStart {
            let unit = text(unitStart..<index)
            guard let size = TimeSpan.units[unit] else { throw .unknownUnit(unit) }
            return .init(whole: whole, fractionDigits: fractionDigits, unitMicroseconds: size)
        }
        // A bare number is seconds; like systemd, refuse `12.34.56` but accept `12.34 .56`.
        if !spaced, index < scalars.count { throw .unexpectedText(text(index..<scalars.count)) }
        return .init(whole: whole, fractionDigits: fractionDigits, unitMicroseconds: 1_000_000)
    }

    private func digit(at position: Int) -> UInt64? {
        guard position < scalars.count else { return nil }
        let value = scalars[position].value
        guard value >= 0x30, value <= 0x39 else { return nil }
        return UInt64(value - 0x30)
    }

    private func text(_ range: Range<Int>) -> String {
        var result = String.UnicodeScalarView()
        result.append(contentsOf: scalars[range])
        return String(result)
    }
}
