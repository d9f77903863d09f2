/// A value of a TOML 1.0 document.
///
/// Date-times are kept as their source text, already checked against RFC 3339 (the policy has no date-time keys, so
/// nothing needs them as instants).
enum TOMLValue: Equatable, Sendable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case boolean(Bool)
    /// `1979-05-27T07:32:00Z`, `1979-05-27 00:32:00.999-07:00`.
    case offsetDateTime(String)
    /// `1979-05-27T07:32:00`.
    case localDateTime(String)
    /// `1979-05-27`.
    case localDate(String)
    /// `07:32:00.5`.
    case localTime(String)
    /// A static array (`[1, "a"]`) or an array of tables (`[[x]]`); TOML 1.0 allows mixed element types.
    case array([TOMLValue])
    /// A `[table]`, an inline table (`{ a = 1 }`), or a table made by dotted keys.
    case table(TOMLTable)

    var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    var integer: Int64? {
        if case .integer(let number) = self { return number }
        return nil
    }

    var float: Double? {
        if case .float(let number) = self { return number }
        return nil
    }

    var boolean: Bool? {
        if case .boolean(let flag) = self { return flag }
        return nil
    }

    var array: [TOMLValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    var table: TOMLTable? {
        if case .table(let table) = self { return table }
        return nil
    }

    /// The value's type with its article, for messages: "a string", "an integer", "a date-time".
    var kindDescription: String {
        switch self {
        case .string: return "a string"
        case .integer: return "an integer"
        case .float: return "a float"
        case .boolean: return "a boolean"
        case .offsetDateTime, .localDateTime: return "a date-time"
        case .localDate: return "a date"
        case .localTime: return "a time"
        case .array: return "an array"
        case .table: return "a table"
        }
    }
}
