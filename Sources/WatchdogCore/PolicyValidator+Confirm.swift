import WatchdogProtocol

extension PolicyValidator {
    /// `runtime_origin`: `"created_at"` or `"watch"`.
    mutating func runtimeOrigin(in root: TOMLTable) -> Policy.RuntimeOrigin? {
        guard let text = string(in: root, "runtime_origin", at: PolicyKeyPath()) else { return nil }
        guard let origin = Policy.RuntimeOrigin(rawValue: text) else {
            report(
                PolicyKeyPath().appending("runtime_origin"),
                #"must be "created_at" or "watch", got \#(quotedForMessage(text))"#)
            return nil
        }
        return origin
    }

    /// `[confirm]`: every span finite and longer than 0, `first_check` at most `max_interval`.
    mutating func confirm(in root: TOMLTable) -> Policy.ConfirmConfiguration {
        var configuration = Policy.ConfirmConfiguration()
        let path = PolicyKeyPath("confirm")
        guard let table = section(in: root, "confirm") else { return configuration }
        checkUnknownKeys(in: table, at: path, known: Self.sectionKeys["confirm", default: []])
        if let enabled = bool(in: table, "enabled", at: path) { configuration.enabled = enabled }
        let first = span(in: table, "first_check", at: path, rule: .finitePositive)?.duration
        let maximum = span(in: table, "max_interval", at: path, rule: .finitePositive)?.duration
        let firstIsValid = first != nil || table["first_check"] == nil
        let maximumIsValid = maximum != nil || table["max_interval"] == nil
        if let first { configuration.firstCheck = first }
        if let maximum { configuration.maxInterval = maximum }
        if firstIsValid, maximumIsValid, configuration.maxInterval < configuration.firstCheck {
            if maximum != nil {
                let shown = TimeSpan.finite(configuration.firstCheck)
                report(path.appending("max_interval"), "must be at least confirm.first_check (\(shown))")
            } else {
                let shown = TimeSpan.finite(configuration.maxInterval)
                report(
                    path.appending("first_check"),
                    "must not be longer than confirm.max_interval (\(shown), the default)")
            }
        }
        if let restop = span(in: table, "restop_after", at: path, rule: .finitePositive)?.duration {
            configuration.restopAfter = restop
        }
        if let giveUp = span(in: table, "give_up_after", at: path, rule: .finitePositive)?.duration {
            configuration.giveUpAfter = giveUp
        }
        return configuration
    }
}

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
