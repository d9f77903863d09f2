import Testing
import WatchdogProtocol

@Suite("CivilCalendar")
struct CivilCalendarTests {
    /// Known days since the epoch, either side of it.
    @Test func knownDays() {
        #expect(CivilCalendar.daysFromCivil(year: 1970, month: 1, day: 1) == 0)
        #expect(CivilCalendar.daysFromCivil(year: 1969, month: 12, day: 31) == -1)
        #expect(CivilCalendar.daysFromCivil(year: 2000, month: 3, day: 1) == 11_017)
        #expect(CivilCalendar.daysFromCivil(year: 1994, month: 11, day: 6) == 9_075)
        #expect(CivilCalendar.civilFromDays(11_016) == (2000, 2, 29))
    }

    /// Every day from 1600 to 2400 converts there and back, and consecutive dates are consecutive days.
    @Test func roundTripsEveryDay() {
        var expected = CivilCalendar.daysFromCivil(year: 1600, month: 1, day: 1)
        for year in 1600...2400 {
            for month in 1...12 {
                for day in 1...CivilCalendar.daysIn(month: month, year: year) {
                    let days = CivilCalendar.daysFromCivil(year: year, month: month, day: day)
                    guard days == expected, CivilCalendar.civilFromDays(days) == (year, month, day) else {
                        Issue.record("\(year)-\(month)-\(day): \(days), expected \(expected)")
                        return
                    }
                    expected += 1
                }
            }
        }
    }

    @Test func leapYears() {
        #expect(CivilCalendar.isLeap(2000))
        #expect(CivilCalendar.isLeap(2024))
        #expect(!CivilCalendar.isLeap(1900))
        #expect(!CivilCalendar.isLeap(2026))
        #expect(CivilCalendar.daysIn(month: 2, year: 2100) == 28)
    }
}
