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
        (configuration.firstCheck, configuration.maxInterval) = orderedSpans(
            in: table, at: path, "first_check", "max_interval",
            defaults: (configuration.firstCheck, configuration.maxInterval))
        if let restop = span(in: table, "restop_after", at: path, rule: .finitePositive)?.duration {
            configuration.restopAfter = restop
        }
        if let giveUp = span(in: table, "give_up_after", at: path, rule: .finitePositive)?.duration {
            configuration.giveUpAfter = giveUp
        }
        return configuration
    }
}
