import ArgumentParser
import WatchdogProtocol

/// `metrics`: the daemon's metrics, as its `/metrics` endpoint serves them.
struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: ControlVerb.metrics.rawValue,
        abstract: "Print the daemon's metrics as Prometheus text, as /metrics serves them.",
        discussion: """
            Works whether or not the policy's [metrics] listen serves /metrics. For node_exporter's textfile \
            collector, write the output to a temporary file and rename it into the collector's directory \
            (docs/operations.md, "Metrics"). With --json, the daemon's answer as sent.
            """
    )

    @OptionGroup(title: "Global Options") var global: GlobalOptions

    func run() throws {
        try global.perform(.metrics)
    }
}
