import CoreMetrics
import Prometheus

/// swift-metrics' backend for the daemon: Prometheus' registry, with each metric's help text and buckets from the
/// `MetricCatalog`. (`PrometheusMetricsFactory` registers every metric without help text, and the registry refuses
/// a second registration of a name with other help text, so the two cannot share a registry.) A label that is not
/// in the catalog is still exposed, without help.
public struct DescribedMetricsFactory: MetricsFactory {
    public let registry: PrometheusCollectorRegistry
    private let plain: PrometheusMetricsFactory

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        self.plain = PrometheusMetricsFactory(registry: registry)
    }

    /// The exposition text of every metric made so far (Prometheus' text format 0.0.4).
    public func render() -> String { registry.emitToString() }

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(descriptor: Self.descriptor(label), labels: dimensions)
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)])
        -> any FloatingPointCounterHandler
    {
        registry.makeCounter(descriptor: Self.descriptor(label), labels: dimensions)
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else { return registry.makeGauge(descriptor: Self.descriptor(label), labels: dimensions) }
        return registry.makeValueHistogram(
            descriptor: Self.descriptor(label), labels: dimensions, buckets: Self.buckets(label))
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(descriptor: Self.descriptor(label), labels: dimensions)
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        registry.makeDurationHistogram(
            descriptor: Self.descriptor(label), labels: dimensions,
            buckets: Self.buckets(label).map { .nanoseconds(Int64(($0 * 1e9).rounded())) })
    }

    public func destroyCounter(_ handler: any CounterHandler) { plain.destroyCounter(handler) }
    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        plain.destroyFloatingPointCounter(handler)
    }
    public func destroyRecorder(_ handler: any RecorderHandler) { plain.destroyRecorder(handler) }
    public func destroyMeter(_ handler: any MeterHandler) { plain.destroyMeter(handler) }
    public func destroyTimer(_ handler: any TimerHandler) { plain.destroyTimer(handler) }

    private static func descriptor(_ label: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: label, unitName: "", helpText: MetricCatalog.entry(named: label)?.help ?? "")
    }

    private static func buckets(_ label: String) -> [Double] {
        MetricCatalog.entry(named: label)?.buckets.nonEmpty ?? MetricCatalog.waitBuckets
    }
}

extension Array {
    fileprivate var nonEmpty: Self? { isEmpty ? nil : self }
}
