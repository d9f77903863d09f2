import WatchdogProtocol

extension PolicyValidator {
    /// `[discover]`: `interval` finite, at least 1 s; `projects` distinct, non-empty strings without spaces or
    /// control characters (each is sent as a `projectId` query value).
    mutating func discover(in root: TOMLTable) -> Policy.DiscoverConfiguration {
        var configuration = Policy.DiscoverConfiguration()
        let path = PolicyKeyPath("discover")
        guard let table = section(in: root, "discover") else { return configuration }
        checkUnknownKeys(in: table, at: path, known: Self.sectionKeys["discover", default: []])
        if let enabled = bool(in: table, "enabled", at: path) { configuration.enabled = enabled }
        if let interval = span(in: table, "interval", at: path, rule: .finitePositive)?.duration {
            if interval < .seconds(1) {
                report(path.appending("interval"), "must be at least 1s, got \(TimeSpan.finite(interval))")
            } else {
                configuration.interval = interval
            }
        }
        if let projects = projects(in: table, at: path) { configuration.projects = projects }
        return configuration
    }

    private mutating func projects(in table: TOMLTable, at parent: PolicyKeyPath) -> [String]? {
        array(in: table, "projects", at: parent, of: "project IDs") { validator, element, path, accepted in
            guard let project = element.string else {
                validator.report(path, "expected a project ID (a string), got \(element.kindDescription)")
                return nil
            }
            let unusable = project.unicodeScalars.contains {
                $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F
            }
            guard !project.isEmpty, !unusable else {
                validator.report(
                    path, "must be a project ID without spaces or control characters, got \(quotedForMessage(project))")
                return nil
            }
            guard !accepted.contains(project) else {
                validator.report(path, "lists project \(quotedForMessage(project)) twice")
                return nil
            }
            return project
        }
    }
}
