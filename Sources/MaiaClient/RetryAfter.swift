import FoundationEssentials
import Glibc
import WatchdogProtocol

/// The value of a `Retry-After` header (RFC 9110 §10.2.3): a number of seconds or an HTTP date.
public enum RetryAfter: Sendable, Equatable {
    /// Wait this many seconds (never negative).
    case seconds(Int)
    /// Wait until this instant.
    case date(Date)

    /// Parses `value`: delta-seconds (`120`), or an HTTP date in the preferred IMF-fixdate form
    /// (`Sun, 06 Nov 1994 08:49:37 GMT`) or one of the obsolete RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime
    /// (`Sun Nov  6 08:49:37 1994`) forms. Anything else, including a negative number, gives `nil`.
    public static func parse(_ value: String) -> RetryAfter? {
        let text = value.trimmingWhitespace()
        guard !text.isEmpty else { return nil }
        if text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            // A number too large for Int is still "wait a very long time".
            return .seconds(Int(text) ?? Int.max)
        }
        return HTTPDate.parse(text).map { .date($0) }
    }

    /// The earliest instant the next attempt may be made, given that the answer arrived at `now`. A date in the past
    /// gives `now`.
    public func notBefore(now: Date) -> Date {
        switch self {
        case .seconds(let seconds):
            return now.addingTimeInterval(TimeInterval(seconds))
        case .date(let date):
            return max(date, now)
        }
    }
}

/// A parser for the three HTTP date forms, without `DateFormatter` (which is neither `Sendable` nor cheap, and whose
/// leniency differs between platforms).
enum HTTPDate {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    private static let shortDays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    private static let longDays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

    static func parse(_ text: String) -> Date? {
        let words = text.split(separator: " ", omittingEmptySubsequences: true).map { String($0) }
        if words.count == 6, words[0].hasSuffix(","), words[5] == "GMT",
            shortDays.contains(words[0].dropLast().lowercased())
        {
            // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
            guard let day = number(words[1], digits: 2...2), let month = month(words[2]),
                let year = number(words[3], digits: 4...4)
            else { return nil }
            return make(year: year, month: month, day: day, time: words[4])
        }
        if words.count == 4, words[0].hasSuffix(","), words[3] == "GMT",
            longDays.contains(words[0].dropLast().lowercased())
        {
            // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
            let parts = words[1].split(separator: "-", omittingEmptySubsequences: false).map { String($0) }
            guard parts.count == 3, let day = number(parts[0], digits: 2...2), let month = month(parts[1]),
                let shortYear = number(parts[2], digits: 2...2)
            else { return nil }
            // A two-digit year: this parser has no "now", so pivot at 1970 (Unix time starts there).
            let year = shortYear < 70 ? 2000 + shortYear : 1900 + shortYear
            return make(year: year, month: month, day: day, time: words[2])
        }
        if words.count == 5, shortDays.contains(words[0].lowercased()) {
            // asctime: Sun Nov  6 08:49:37 1994
            guard let month = month(words[1]), let day = number(words[2], digits: 1...2),
                let year = number(words[4], digits: 4...4)
            else { return nil }
            return make(year: year, month: month, day: day, time: words[3])
        }
        return nil
    }

    /// The value of `text` if it is only ASCII digits, as many as `digits` allows (`Int` alone would accept `+6`).
    private static func number(_ text: some StringProtocol, digits: ClosedRange<Int>) -> Int? {
        guard digits.contains(text.utf8.count),
            text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return nil }
        return Int(text)
    }

    private static func month(_ word: String) -> Int? {
        guard word.count == 3, let index = months.firstIndex(of: word.lowercased()) else { return nil }
        return index + 1
    }

    private static func make(year: Int, month: Int, day: Int, time: String) -> Date? {
        let parts = time.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, let hour = number(parts[0], digits: 2...2),
            let minute = number(parts[1], digits: 2...2), let second = number(parts[2], digits: 2...2),
            (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second),
            (1...12).contains(month), (1...CivilCalendar.daysIn(month: month, year: year)).contains(day)
        else { return nil }
        let days = CivilCalendar.daysFromCivil(year: year, month: month, day: day)
        let seconds = ((days * 24 + hour) * 60 + minute) * 60 + second
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }
}
