import WatchdogProtocol

extension PolicyValidator {
    /// `[safety]`: `warn_before` and `max_extension` finite, 0 (off) or more; `max_stops` 0 (off) or more; `window`
    /// finite, above 0.
    mutating func safety(in root: TOMLTable) -> Policy.SafetyConfiguration {
        var configuration = Policy.SafetyConfiguration()
        let path = PolicyKeyPath("safety")
        guard let table = section(in: root, "safety") else { return configuration }
        checkUnknownKeys(in: table, at: path, known: Self.sectionKeys["safety", default: []])
        if let warn = span(in: table, "warn_before", at: path, rule: .finiteNonNegative)?.duration {
            configuration.warnBefore = warn
        }
        if let cap = span(in: table, "max_extension", at: path, rule: .finiteNonNegative)?.duration {
            configuration.maxExtension = cap
        }
        if let stops = integer(in: table, "max_stops", at: path) {
            if stops < 0 || stops > 1_000_000 {
                report(path.appending("max_stops"), "must be between 0 (no breaker) and 1000000, got \(stops)")
            } else {
                configuration.maxStops = Int(stops)
            }
        }
        if let window = span(in: table, "window", at: path, rule: .finitePositive)?.duration {
            configuration.window = window
        }
        return configuration
    }
}
