/// `text` as a TOML basic string (for the messages of time spans here and of the policy in
/// `WatchdogCore`), so that a message stays on one line whatever the operator wrote; longer than
/// `limit` characters, the rest is elided.
package func quotedForMessage(_ text: String, limit: Int = 60) -> String {
    var shown = text
    if text.count > limit {
        shown = String(text.prefix(limit - 1)) + "…"
    }
    var result = "\""
    for scalar in shown.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\t": result += "\\t"
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        case _ where scalar.value < 0x20 || scalar.value == 0x7F:
            let hex = String(scalar.value, radix: 16, uppercase: true)
            result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default:
            result.unicodeScalars.append(scalar)
        }
    }
    return result + "\""
}
