import Foundation
import Glibc
import Testing
import WatchdogCore

@testable import WatchdogProtocol

@Suite("RFC3339 formatting and JSON strings")
struct RFC3339FormatTests {
    /// The in-place formatter against the C library's calendar, over random instants from 1970
    /// to 2400, and back through the parser.
    @Test func formatMatchesTheCLibraryAndParsesBack() throws {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<2000 {
            let milliseconds = Int64(rng.next() % 13_569_465_600_000)
            // Half a millisecond in, so that the binary fraction never rounds below the millisecond.
            let date = Date(timeIntervalSince1970: (Double(milliseconds) + 0.5) / 1000)
            var seconds = time_t(milliseconds / 1000)
            var parts = tm()
            gmtime_r(&seconds, &parts)
            let expected = String(
                format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                parts.tm_hour, parts.tm_min, parts.tm_sec, Int32(milliseconds % 1000))
            let formatted = RFC3339.format(date)
            #expect(formatted == expected)
            let parsed = try #require(RFC3339.parse(formatted))
            #expect(Int64((parsed.timeIntervalSince1970 * 1000).rounded()) == milliseconds)
        }
    }

    /// Strings that need escaping take the slow path; plain ones are copied; both give JSON that
    /// decodes to the original.
    @Test func jsonStringsRoundTrip() throws {
        for text in [
            "plain-ascii 123", "quote \" and \\ backslash", "tab\tnewline\n", "\u{7F}\u{1}", "é ü 中 \u{2028}", "",
        ] {
            var writer = JSONWriter()
            writer.string(text)
            let decoded = try JSONDecoder().decode(String.self, from: Data(writer.output.utf8))
            #expect(decoded == text)
            #expect(!writer.output.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x2028 })
        }
    }
}
