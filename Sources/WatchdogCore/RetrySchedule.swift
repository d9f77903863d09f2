/// Full-jitter exponential backoff: between stop attempts, and between failed token requests (the client-credentials
/// provider in MaiaClient uses this same curve with the policy's `[retry]` values; n counts its consecutive failures).
///
/// The sleep after the n-th retryable answer (n = 1 for the first) is drawn uniformly from
/// `0 ... min(max_backoff, initial_backoff * multiplier^(n-1))`. With the defaults
/// (`1s`, `1min`, `2.0`):
///
/// | after attempt | ceiling | sleep drawn from |
/// |---------------|---------|------------------|
/// | 1             | 1 s     | 0 – 1 s          |
/// | 2             | 2 s     | 0 – 2 s          |
/// | 3             | 4 s     | 0 – 4 s          |
/// | 4             | 8 s     | 0 – 8 s          |
/// | 5             | 16 s    | 0 – 16 s         |
/// | 6             | 32 s    | 0 – 32 s         |
/// | 7 and later   | 60 s    | 0 – 60 s         |
///
/// A `Retry-After` is applied on top of this by the caller (it can only lengthen a sleep), and
/// `give_up_after` bounds the whole sequence (see `TaskMachine`).
public struct RetrySchedule: Sendable, Equatable {
    public var initialBackoff: Duration
    public var maxBackoff: Duration
    public var multiplier: Double

    public init(initialBackoff: Duration, maxBackoff: Duration, multiplier: Double) {
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.multiplier = multiplier
    }

    public init(_ configuration: Policy.RetryConfiguration) {
        self.init(
            initialBackoff: configuration.initialBackoff,
            maxBackoff: configuration.maxBackoff,
            multiplier: configuration.multiplier)
    }

    /// The largest sleep after `attempt` retryable answers (1-based).
    public func ceiling(afterAttempt attempt: Int) -> Duration {
        let exponent = Double(max(0, attempt - 1))
        let initial = Double(initialBackoff.totalNanoseconds)
        let cap = maxBackoff.totalNanoseconds
        let scaled = initial * _pow(multiplier, exponent)
        if !scaled.isFinite || scaled >= Double(cap) { return .nanoseconds(cap) }
        return .nanoseconds(Int64(scaled))
    }

    /// The jittered sleep after `attempt` retryable answers, drawn from `rng`.
    public func delay(afterAttempt attempt: Int, using rng: inout some RandomNumberGenerator) -> Duration {
        let ceiling = ceiling(afterAttempt: attempt).totalNanoseconds
        guard ceiling > 0 else { return .zero }
        return .nanoseconds(Int64.random(in: 0...ceiling, using: &rng))
    }
}

/// `pow` without importing Foundation here: repeated squaring for integral exponents.
private func _pow(_ base: Double, _ exponent: Double) -> Double {
    var result = 1.0
    var factor = base
    var remaining = Int(exponent)
    while remaining > 0 {
        if remaining & 1 == 1 { result *= factor }
        factor *= factor
        remaining >>= 1
        if !result.isFinite { return result }
    }
    return result
}
