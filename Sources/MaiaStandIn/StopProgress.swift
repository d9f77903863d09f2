/// How a task that accepted a stop (`STOPPING`) becomes `STOPPED` in the stand-in's registry, as Maia's agents finish
/// what they are doing before they stop.
public enum StopProgress: Sendable, Equatable {
    /// The first `n` task reads after the accepted stop answer `STOPPING`, the next one `STOPPED`: `.reads(0)` is
    /// stopped at the first read. Only reads answered from the registry count (not a scripted 502, say); list pages
    /// do not count.
    case reads(Int)
    /// `STOPPED` once this much time has passed since the accepted stop, on the registry's clock
    /// (``TaskRegistryConfiguration/now``); reads and list pages both see it.
    case after(Duration)

    /// One read answers `STOPPING`, the next `STOPPED`.
    public static let `default`: StopProgress = .reads(1)
}
