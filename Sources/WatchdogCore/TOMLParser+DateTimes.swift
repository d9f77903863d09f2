/// The four TOML date-time forms (RFC 3339), checked field by field and kept as their text:
///
/// | form | example |
/// |---|---|
/// | offset date-time | `1979-05-27T07:32:00Z`, `1979-05-27 00:32:00.999-07:00` |
/// | local date-time | `1979-05-27T07:32:00` |
/// | local date | `1979-05-27` |
/// | local time | `07:32:00`, `00:32:00.999999` |
///
/// TOML 1.0 requires the seconds. A leap second (`:60`) is accepted, as RFC 3339 allows.
extension TOMLParser {
    /// `token` starts with `DDDD-` or `DD:`, at byte offset `start`.
    mutating func dateTime(_ token: [UInt8], at start: Int) throws(TOMLParseError) -> TOMLValue {
        var reader = DateTimeReader(bytes: token)
        let text = String(decoding: token, as: UTF8.self)
        do throws(DateTimeReader.Failure) {
            if token.count > 2, token[2] == UInt8(ascii: ":") {
                try reader.time()
                try reader.end()
                return .localTime(text)
            }
            try reader.date()
            if reader.isAtEnd { return .localDate(text) }
            try reader.separator()
            try reader.time()
            if reader.isAtEnd { return .localDateTime(text) }
            try reader.offset()
            try reader.end()
            return .offsetDateTime(text)
        } catch {
            throw self.error(at: start + min(error.offset, token.count), error.message)
        }
    }
}

/// Reads the fields of a date-time token; each failure names the field.
private struct DateTimeReader {
    struct Failure: Error {
        var offset: Int
        var message: String
    }

    let bytes: [UInt8]
    var index = 0

    var isAtEnd: Bool { index >= bytes.count }

    mutating func date() throws(Failure) {
        let year = try number(digits: 4, field: "the year", format: "YYYY-MM-DD")
        try expect(UInt8(ascii: "-"), "invalid date: expected YYYY-MM-DD")
        let monthStart = index
        let month = try number(digits: 2, field: "the month", format: "YYYY-MM-DD")
        try expect(UInt8(ascii: "-"), "invalid date: expected YYYY-MM-DD")
        let dayStart = index
        let day = try number(digits: 2, field: "the day", format: "YYYY-MM-DD")
        guard (1...12).contains(month) else {
            throw Failure(offset: monthStart, message: "invalid date: the month must be from 01 to 12")
        }
        let isLeap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, isLeap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard day >= 1, day <= days[month - 1] else {
            throw Failure(offset: dayStart, message: "invalid date: the month has no such day")
        }
    }

    /// `T`, `t` or the space between a date and a time.
    mutating func separator() throws(Failure) {
        guard index < bytes.count, [UInt8(ascii: "T"), UInt8(ascii: "t"), 0x20].contains(bytes[index]) else {
            throw Failure(
                offset: index, message: "invalid date-time: expected 'T' or a space between the date and the time")
        }
        index += 1
    }

    /// `HH:MM:SS` with an optional fraction.
    mutating func time() throws(Failure) {
        let hourStart = index
        let hour = try number(digits: 2, field: "the hour", format: "HH:MM:SS")
        try expect(UInt8(ascii: ":"), "invalid time: expected HH:MM:SS")
        let minuteStart = index
        let minute = try number(digits: 2, field: "the minute", format: "HH:MM:SS")
        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
            throw Failure(offset: index, message: "invalid time: expected HH:MM:SS (TOML 1.0 requires the seconds)")
        }
        index += 1
        let secondStart = index
        let second = try number(digits: 2, field: "the second", format: "HH:MM:SS")
        guard hour <= 23 else {
            throw Failure(offset: hourStart, message: "invalid time: the hour must be from 00 to 23")
        }
        guard minute <= 59 else {
            throw Failure(offset: minuteStart, message: "invalid time: the minute must be from 00 to 59")
        }
        guard second <= 60 else {
            throw Failure(offset: secondStart, message: "invalid time: the second must be from 00 to 60")
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            let fractionStart = index
            while index < bytes.count, TOMLParser.isDigit(bytes[index]) { index += 1 }
            guard index > fractionStart else {
                throw Failure(offset: index, message: "invalid time: expected a digit after the decimal point")
            }
        }
    }

    /// `Z`, `z`, `+HH:MM` or `-HH:MM`.
    mutating func offset() throws(Failure) {
        guard index < bytes.count else { return }
        let byte = bytes[index]
        if byte == UInt8(ascii: "Z") || byte == UInt8(ascii: "z") {
            index += 1
            return
        }
        guard byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") else {
            throw Failure(
                offset: index, message: "invalid date-time: expected Z or an offset such as +02:00 after the time")
        }
        index += 1
        let hourStart = index
        let hours = try number(digits: 2, field: "the offset's hours", format: "+HH:MM")
        try expect(UInt8(ascii: ":"), "invalid date-time: expected an offset such as +02:00")
        let minuteStart = index
        let minutes = try number(digits: 2, field: "the offset's minutes", format: "+HH:MM")
        guard hours <= 23 else {
            throw Failure(offset: hourStart, message: "invalid date-time: the offset's hours must be from 00 to 23")
        }
        guard minutes <= 59 else {
            throw Failure(offset: minuteStart, message: "invalid date-time: the offset's minutes must be from 00 to 59")
        }
    }

    mutating func end() throws(Failure) {
        guard isAtEnd else {
            throw Failure(offset: index, message: "unexpected characters after the date-time")
        }
    }

    private mutating func expect(_ byte: UInt8, _ message: String) throws(Failure) {
        guard index < bytes.count, bytes[index] == byte else { throw Failure(offset: index, message: message) }
        index += 1
    }

    /// Exactly `digits` decimal digits (at most 4, so the value cannot overflow).
    private mutating func number(digits: Int, field: String, format: String) throws(Failure) -> Int {
        var value = 0
        for _ in 0..<digits {
            guard index < bytes.count, TOMLParser.isDigit(bytes[index]) else {
                throw Failure(
                    offset: index, message: "invalid date-time: \(field) must be \(digits) digits (\(format))")
            }
            value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
            index += 1
        }
        return value
    }
}
