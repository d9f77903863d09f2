import FoundationEssentials

/// Watches `EnforcerService`'s loop: when it goes to sleep, with what still in flight, and when it is woken.
///
/// A seam for instrumentation (a test waits on it for the loop to be idle instead of sleeping); the daemon passes
/// none. The calls are made on the enforcer's actor, in the loop's order: keep them quick and never block.
public protocol EnforcerLoopObserver: Sendable {
    /// The loop is about to sleep until `until` (`nil`: until it is woken), with `stops` stop attempts, `reads`
    /// task reads and `pages` discovery list pages started and not yet answered.
    func loopWaits(until: Date?, stops: Int, reads: Int, pages: Int)

    /// The loop has work to look at (a request changed something, a call was answered, a reload) or has woken on
    /// its timer: it is busy until its next `loopWaits`.
    func loopWakes()

    /// The loop has ended (shutdown): it will not wait again.
    func loopEnds()
}
