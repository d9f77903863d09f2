import Foundation
/// The benchmark's results: one row per figure, with the goal it is held to (or the limit it is
/// compared with), printed as a table.
final class Report {
    struct Row {
        var scenario: String
        var measure: String
        var value: String
        var goal: String
        /// "met", "MISSED", or empty for a figure without a goal (a limit, a context figure).
        var verdict: String
    }

    private(set) var rows: [Row] = []

    func add(_ scenario: String, _ measure: String, _ value: String, goal: String = "", met: Bool? = nil) {
        rows.append(
            Row(
                scenario: scenario, measure: measure, value: value, goal: goal,
                verdict: met.map { $0 ? "met" : "MISSED" } ?? ""))
        say("  \(scenario) · \(measure): \(value)\(goal.isEmpty ? "" : "  (goal \(goal))")")
    }

    /// A Markdown table (also readable as plain text).
    var table: String {
        let header = Row(scenario: "scenario", measure: "measure", value: "value", goal: "goal", verdict: "")
        let all = [header] + rows
        func width(_ path: KeyPath<Row, String>) -> Int { all.map { $0[keyPath: path].count }.max() ?? 0 }
        let widths = [width(\.scenario), width(\.measure), width(\.value), width(\.goal), width(\.verdict)]
        func line(_ cells: [String]) -> String {
            "| "
                + zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(
                    separator: " | ")
                + " |"
        }
        var text = [line([header.scenario, header.measure, header.value, header.goal, header.verdict])]
        text.append("|" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|") + "|")
        for row in rows { text.append(line([row.scenario, row.measure, row.value, row.goal, row.verdict])) }
        return text.joined(separator: "\n")
    }
}

/// Figures as the table shows them.
enum Figure {
    static func rate(_ perSecond: Double) -> String { "\(Int(perSecond.rounded()).formatted()) /s" }
    static func micros(_ value: Double?) -> String {
        guard let value else { return "–" }
        return value >= 1000 ? String(format: "%.2f ms", value / 1000) : String(format: "%.0f µs", value)
    }
    static func millis(_ value: Double?) -> String { value.map { String(format: "%.1f ms", $0) } ?? "–" }
    static func megabytes(_ bytes: Int) -> String { String(format: "%.1f MB", Double(bytes) / 1_048_576) }
}

extension Int {
    /// 12345 → "12,345".
    func formatted() -> String {
        let digits = String(Swift.abs(self))
        var groups: [Substring] = []
        var end = digits.endIndex
        while end > digits.startIndex {
            let start = digits.index(end, offsetBy: -3, limitedBy: digits.startIndex) ?? digits.startIndex
            groups.insert(digits[start..<end], at: 0)
            end = start
        }
        return (self < 0 ? "-" : "") + groups.joined(separator: ",")
    }
}
