/// Text helpers the client needs, on the standard library alone: full Foundation's `trimmingCharacters(in:)` and
/// `replacingOccurrences(of:with:)` would link ICU's 30 MB of data into the daemon (docs/performance.md).
extension StringProtocol {
    /// The text with `secret` replaced by `<redacted>` wherever it occurs (unchanged when `secret` is empty).
    public func redacting(_ secret: String) -> String {
        guard !secret.isEmpty else { return String(self) }
        return String(self).replacing(secret, with: "<redacted>")
    }

    /// The text without leading and trailing whitespace and newlines (Unicode's, as `Character.isWhitespace`).
    public func trimmingWhitespace() -> String {
        guard let first = firstIndex(where: { !$0.isWhitespace }) else { return "" }
        let last = lastIndex(where: { !$0.isWhitespace })!
        return String(self[first...last])
    }
}
