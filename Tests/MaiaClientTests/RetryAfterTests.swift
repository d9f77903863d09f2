import Foundation
import MaiaClient
import Testing

@Suite("RetryAfter")
struct RetryAfterTests {
    /// `Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110's example date.
    static let example = Date(timeIntervalSince1970: 784_111_777)

    @Test(
        "delta-seconds",
        arguments: [("7", 7), ("0", 0), (" 120 ", 120), ("86400", 86400), ("99999999999999999999999", Int.max)]
    )
    func deltaSeconds(text: String, seconds: Int) {
        #expect(RetryAfter.parse(text) == .seconds(seconds))
    }

    @Test(
        "HTTP dates in all three forms",
        arguments: [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "sun, 06 nov 1994 08:49:37 GMT",
        ]
    )
    func httpDate(text: String) {
        #expect(RetryAfter.parse(text) == .date(Self.example))
    }

    @Test("dates across leap days and the millennium")
    func otherDates() {
        #expect(RetryAfter.parse("Thu, 29 Feb 2024 23:59:59 GMT") == .date(Date(timeIntervalSince1970: 1_709_251_199)))
        #expect(RetryAfter.parse("Sat, 01 Jan 2000 00:00:00 GMT") == .date(Date(timeIntervalSince1970: 946_684_800)))
        #expect(RetryAfter.parse("Thu, 01 Jan 1970 00:00:00 GMT") == .date(Date(timeIntervalSince1970: 0)))
        #expect(RetryAfter.parse("Saturday, 01-Jan-00 00:00:00 GMT") == .date(Date(timeIntervalSince1970: 946_684_800)))
    }

    @Test(
        "garbage and negative values give nil",
        arguments: [
            "", " ", "-5", "-0", "+5", "1.5", "7s", "abc", "0x10",
            "Sun, 06 Nov 1994 08:49:37 PST",
            "Sun, 06 Nov 1994 08:49:37",
            "Sun, 31 Feb 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:49:37 GMT",
            "Sun, 06 Nov 1994 08:61:37 GMT",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, +6 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 94 08:49:37 GMT",
            "Xyz, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-1994 08:49:37 GMT",
            "Sun Nov  6 08:49:37",
            "2024-02-29T23:59:59Z",
        ]
    )
    func garbage(text: String) {
        #expect(RetryAfter.parse(text) == nil)
    }

    @Test("notBefore adds seconds, keeps a future date, and clamps a past date to now")
    func notBefore() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        #expect(RetryAfter.seconds(7).notBefore(now: now) == Date(timeIntervalSince1970: 1_000_007))
        #expect(RetryAfter.seconds(0).notBefore(now: now) == now)
        let future = Date(timeIntervalSince1970: 1_000_500)
        #expect(RetryAfter.date(future).notBefore(now: now) == future)
        #expect(RetryAfter.date(Date(timeIntervalSince1970: 999_000)).notBefore(now: now) == now)
    }
}
