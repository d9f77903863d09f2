import CoreMetrics
import FoundationEssentials
import Synchronization
import WatchdogCore
import WatchdogProtocol

/// The daemon's metrics: swift-metrics handles over one Prometheus registry (`DescribedMetricsFactory`), named in
/// the `MetricCatalog`. Counters and histograms are updated as things happen; gauges whose value lives elsewhere
/// (the rate limiter's queues, the token's health) are read by samplers just before each `render()`.
/// Always collected: `[metrics] listen` only decides whether `/metrics` is served (the `metrics` verb always is).
public final class DaemonMetrics: Sendable {
    public let factory: DescribedMetricsFactory
    private let samplers = Mutex<[@Sendable () -> Void]>([])
    private let taskGauges: [TaskState: Meter]
    let lateness: CoreMetrics.Timer
    let confirmation: CoreMetrics.Timer
    let breakerOpen: Meter
    let breakerHeld: Meter
    let discoveryLastSuccess: Meter
    let storeCommitDuration: CoreMetrics.Timer
    let connectionsOpen: Meter

    public init(version: String = MaiaWatchdogVersion.current, factory: DescribedMetricsFactory = .init()) {
        self.factory = factory
        Meter(label: MetricCatalog.buildInfo.name, dimensions: [("version", version)], factory: factory).set(1)
        var gauges: [TaskState: Meter] = [:]
        for state in TaskState.tracked {
            let gauge = Meter(
                label: MetricCatalog.tasks.name, dimensions: [("state", state.rawValue)], factory: factory)
            gauge.set(0)
            gauges[state] = gauge
        }
        taskGauges = gauges
        lateness = CoreMetrics.Timer(label: MetricCatalog.lateness.name, factory: factory)
        confirmation = CoreMetrics.Timer(label: MetricCatalog.confirmation.name, factory: factory)
        breakerOpen = Self.meter(MetricCatalog.breakerOpen, factory)
        breakerHeld = Self.meter(MetricCatalog.breakerHeld, factory)
        discoveryLastSuccess = Self.meter(MetricCatalog.discoveryLastSuccess, factory)
        storeCommitDuration = CoreMetrics.Timer(label: MetricCatalog.storeCommitDuration.name, factory: factory)
        connectionsOpen = Self.meter(MetricCatalog.connectionsOpen, factory)
        // The counters an operator alerts on exist from the start, at 0, so that `increase()` sees their first event.
        for state in [TaskState.stopUnconfirmed, .gaveUp, .rejected] {
            count(MetricCatalog.taskEnds, ("state", state.rawValue), by: 0)
        }
        count(MetricCatalog.breakerOpenings, by: 0)
        for result in ["ok", "failed"] {
            count(MetricCatalog.tokenRefreshes, ("result", result), by: 0)
            count(MetricCatalog.discoveryPasses, ("result", result), by: 0)
            count(MetricCatalog.storeCommits, ("result", result), by: 0)
        }
    }

    /// Runs `sample` before every `render()`, to set the gauges it owns.
    public func addSampler(_ sample: @escaping @Sendable () -> Void) {
        samplers.withLock { $0.append(sample) }
    }

    /// The exposition text: Prometheus' text format 0.0.4, what `/metrics` and the `metrics` verb answer.
    public func render() -> String {
        for sample in samplers.withLock({ $0 }) { sample() }
        return factory.render()
    }

    /// Adds `amount` to the counter of `entry` with these label values (made on first use).
    func count(_ entry: MetricCatalog.Entry, _ dimensions: (String, String)..., by amount: Int = 1) {
        Counter(label: entry.name, dimensions: dimensions, factory: factory).increment(by: amount)
    }

    /// Sets the gauge of `entry` with these label values.
    func set(_ entry: MetricCatalog.Entry, _ dimensions: (String, String)..., to value: Double) {
        Meter(label: entry.name, dimensions: dimensions, factory: factory).set(value)
    }

    /// Sets the tasks-by-state gauges; a state missing from `counts` is 0.
    func setTasks(_ counts: [TaskState: Int]) {
        for (state, gauge) in taskGauges { gauge.set(counts[state] ?? 0) }
    }

    /// Records `seconds` (0 when negative) in `timer`.
    static func record(_ seconds: TimeInterval, in timer: CoreMetrics.Timer) {
        timer.recordSeconds(max(0, seconds))
    }

    /// One transaction of the task store: how long it took, and whether it was committed.
    func storeCommitted(took duration: Duration, ok: Bool) {
        let (seconds, attoseconds) = duration.components
        storeCommitDuration.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        count(MetricCatalog.storeCommits, ("result", ok ? "ok" : "failed"))
    }

    private static func meter(_ entry: MetricCatalog.Entry, _ factory: DescribedMetricsFactory) -> Meter {
        let meter = Meter(label: entry.name, factory: factory)
        meter.set(0)
        return meter
    }
}
