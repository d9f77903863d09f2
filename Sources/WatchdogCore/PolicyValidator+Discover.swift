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
        guard let value = table["projects"] else { return nil }
        let path = parent.appending("projects")
        guard let array = value.array else {
            report(path, "expected an array of project IDs, got \(value.kindDescription)")
            return nil
        }
        var projects: [String] = []
        var valid = true
        for (index, element) in array.enumerated() {
            let elementPath = path.appending(index: index)
            guard let project = element.string else {
                report(elementPath, "expected a project ID (a string), got \(element.kindDescription)")
                valid = false
                continue
            }
            if project.isEmpty
                || project.unicodeScalars.contains(where: {
                    $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F
                })
            {
                report(
                    elementPath,
                    "must be a project ID without spaces or control characters, got \(quotedForMessage(project))")
                valid = false
                continue
            }
            if projects.contains(project) {
                report(elementPath, "lists project \(quotedForMessage(project)) twice")
                valid = false
                continue
            }
            projects.append(project)
        }
        return valid ? projects : nil
    }
}
