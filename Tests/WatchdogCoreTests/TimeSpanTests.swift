import Testing
import WatchdogProtocol

@testable import WatchdogCore

@Suite("TimeSpan parsing and rendering")
struct TimeSpanTests {
    private static let second: Int64 = 1_000_000

    /// Every unit spelling systemd.time(7) lists, as microseconds.
    @Test(
        "every unit spelling",
        arguments: [
            ("7usec", 7), ("7us", 7), ("7µs", 7), ("7μs", 7),
            ("7msec", 7_000), ("7ms", 7_000),
            ("7seconds", 7 * second), ("7second", 7 * second), ("7sec", 7 * second), ("7s", 7 * second),
            ("7minutes", 420 * second), ("7minute", 420 * second), ("7min", 420 * second), ("7m", 420 * second),
            ("7hours", 25_200 * second), ("7hour", 25_200 * second), ("7hr", 25_200 * second), ("7h", 25_200 * second),
            ("7days", 604_800 * second), ("7day", 604_800 * second), ("7d", 604_800 * second),
            ("2weeks", 1_209_600 * second), ("2week", 1_209_600 * second), ("2w", 1_209_600 * second),
            ("2months", 5_259_600 * second), ("2month", 5_259_600 * second), ("2M", 5_259_600 * second),
            ("2years", 63_115_200 * second), ("2year", 63_115_200 * second), ("2y", 63_115_200 * second),
        ] as [(String, Int64)]
    )
    func unit(text: String, microseconds: Int64) throws {
        #expect(try TimeSpan(parsing: text) == .finite(.microseconds(microseconds)))
    }

    @Test(
        "numbers, components, fractions and spacing",
        arguments: [
            ("90", 90 * second),
            ("0", 0),
            ("1h 30min", 5_400 * second),
            ("1h30min", 5_400 * second),
            ("1h   30min ", 5_400 * second),
            ("  45min", 2_700 * second),
            ("5 s", 5 * second),
            ("1 2", 3 * second),
            ("1h30", 3_630 * second),
            ("2d 3h 4min 5s 6ms 7us", (2 * 86_400 + 3 * 3_600 + 4 * 60 + 5) * second + 6_007),
            ("1.5h", 5_400 * second),
            ("1.5 h", 5_400 * second),
            (".5s", 500_000),
            ("0.25s", 250_000),
            ("1.0000005s", 1_000_000),
            ("1.5us", 1),
            ("12.34 .56", 12_900_000),
            ("12.34s.56", 12_900_000),
            ("0045min", 2_700 * second),
            ("1.5M", 3_944_700 * second),
            ("\t1d\n", 86_400 * second),
        ] as [(String, Int64)]
    )
    func composite(text: String, microseconds: Int64) throws {
        #expect(try TimeSpan(parsing: text) == .finite(.microseconds(microseconds)))
    }

    @Test("infinity", arguments: ["infinity", "  infinity  ", "infinity\n"])
    func infinity(text: String) throws {
        #expect(try TimeSpan(parsing: text) == .infinity)
    }

    @Test(
        "malformed spans each say what is wrong",
        arguments: [
            ("", TimeSpanError.empty),
            ("   ", .empty),
            ("-5s", .negative),
            ("-0", .negative),
            ("1h -5min", .negative),
            ("min", .expectedNumber(found: "min")),
            ("+5s", .expectedNumber(found: "+5s")),
            ("5s, 3s", .expectedNumber(found: ", 3s")),
            ("5s!", .expectedNumber(found: "!")),
            ("3.", .missingFractionDigits(number: "3.")),
            ("3.s", .missingFractionDigits(number: "3.")),
            (".", .missingFractionDigits(number: ".")),
            ("5mins", .unknownUnit("mins")),
            ("2 hrs", .unknownUnit("hrs")),
            ("1mo", .unknownUnit("mo")),
            ("5S", .unknownUnit("S")),
            ("1H", .unknownUnit("H")),
            ("12.34.56", .unexpectedText(".56")),
            ("5!", .unexpectedText("!")),
            ("5%", .unexpectedText("%")),
            ("infinityx", .infinityNotAlone),
            ("5s infinity", .infinityNotAlone),
            ("infinity 5s", .infinityNotAlone),
            ("inf", .expectedNumber(found: "inf")),
            ("99999999999999999999s", .overflow),
            ("300000y", .overflow),
            ("9223372036854775807us 1us", .overflow),
            ("18446744073709551615us", .overflow),
        ] as [(String, TimeSpanError)]
    )
    func malformed(text: String, error: TimeSpanError) {
        #expect(throws: error) { try TimeSpan(parsing: text) }
    }

    @Test("the largest span is Int64.max microseconds")
    func largest() throws {
        #expect(try TimeSpan(parsing: "9223372036854775807us") == .finite(.microseconds(Int64.max)))
    }

    @Test(
        "description is canonical",
        arguments: [
            (TimeSpan.infinity, "infinity"),
            (.finite(.zero), "0"),
            (.finite(.seconds(5_400)), "1h 30min"),
            (.finite(.seconds(2_700)), "45min"),
            (.finite(.milliseconds(100)), "100ms"),
            (.finite(.seconds(90)), "1min 30s"),
            (.finite(.seconds(7 * 86_400)), "1w"),
            (.finite(.seconds(2 * 86_400)), "2d"),
            (.finite(.seconds(31_557_600 + 2_629_800)), "1y 1month"),
            (.finite(.microseconds(1_001_001)), "1s 1ms 1us"),
            (.finite(.nanoseconds(1_500)), "1us"),
            (.finite(.seconds(-90)), "-1min 30s"),
        ]
    )
    func description(span: TimeSpan, text: String) {
        #expect(span.description == text)
    }

    @Test(
        "parsing the description gives the value back",
        arguments: [
            "0", "1us", "999ms", "1s", "90s", "45min", "1h 30min", "36h", "7d", "30d", "1.5M", "400d", "2y",
            "1y 2M 3w 4d 5h 6min 7s 8ms 9us", "infinity", "9223372036854775807us", "0.123456s",
        ]
    )
    func roundTrip(text: String) throws {
        let span = try TimeSpan(parsing: text)
        #expect(try TimeSpan(parsing: span.description) == span)
    }

    @Test("error messages are specific and stay on one line")
    func messages() {
        #expect(
            TimeSpanError.empty.description == #"empty time span; write e.g. "90s", "45min", "1h 30min" or "infinity""#)
        #expect(TimeSpanError.negative.description == "time spans cannot be negative")
        #expect(
            TimeSpanError.unknownUnit("mins").description
                == #"unknown unit "mins"; use us, ms, s, min, h, d, w, M (months) or y"#)
        #expect(TimeSpanError.expectedNumber(found: "!\nx").description == #"expected a number at "!\nx""#)
        #expect(
            TimeSpanError.missingFractionDigits(number: "3.").description
                == #""3." needs a digit after the decimal point"#)
        #expect(TimeSpanError.unexpectedText(".56").description == #"unexpected ".56" after a number"#)
        #expect(TimeSpanError.infinityNotAlone.description == #""infinity" cannot be combined with anything else"#)
        #expect(TimeSpanError.overflow.description == "time span is too large (more than 292,000 years)")
    }

    @Test("shorter treats infinity as longer than any finite span")
    func shorter() {
        #expect(TimeSpan.shorter(.infinity, .finite(.seconds(1))) == .finite(.seconds(1)))
        #expect(TimeSpan.shorter(.finite(.seconds(2)), .finite(.seconds(1))) == .finite(.seconds(1)))
        #expect(TimeSpan.shorter(.infinity, .infinity) == .infinity)
    }
}
