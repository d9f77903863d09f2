import CoreMetrics
import FoundationEssentials
import Glibc
import WatchdogCore

/// The one place the rate limit is applied: every request (stop, task read, list page, token request) waits its turn
/// at the shared ``RateLimiter`` in its ``MaiaRequest/lane`` before it is sent, so that a waiting stop (or the token
/// request it needs) goes before every waiting read, and a waiting task read before every waiting list page. A 429
/// from the Maia API pauses the whole limiter (every caller in every lane, not only the task that got it) until its
/// `Retry-After`, or for ``pauseWithoutRetryAfter`` when the header is missing.
///
/// A 429 from the token endpoint does not pause stop calls: it is another server with its own limit, and the token
/// provider backs off on it by itself.
public struct RateLimitedTransport: MaiaTransport {
    /// How long a 429 without a usable `Retry-After` holds the client.
    public static let pauseWithoutRetryAfter: Duration = .seconds(1)

    private let inner: any MaiaTransport
    /// The limiter shared by every call through this transport.
    public let limiter: RateLimiter
    private let clock: any WallClock
    /// How long each request waited at the limiter, by lane (``waitMetric``, dimension `lane`).
    private let waits: [RequestLane: CoreMetrics.Timer]

    /// The swift-metrics label of the wait: a histogram of seconds, by `lane` (`stop`, `read`, `list`).
    public static let waitMetric = "maia_watchdog_rate_limit_wait_seconds"

    /// Wraps `inner` (in production the ``HTTPTransport``) behind `limiter`; the waits are recorded through `metrics`.
    public init(
        _ inner: any MaiaTransport, limiter: RateLimiter, clock: any WallClock,
        metrics: any MetricsFactory = NOOPMetricsHandler.instance
    ) {
        self.inner = inner
        self.limiter = limiter
        self.clock = clock
        self.waits = Dictionary(
            uniqueKeysWithValues: RequestLane.allCases.map { lane in
                (lane, CoreMetrics.Timer(label: Self.waitMetric, dimensions: [("lane", lane.name)], factory: metrics))
            })
    }

    /// Waits for the limiter in the request's lane and sends the request; a 429 from the Maia API (not from the token endpoint) pauses the
    /// client. This is the one place a 429 is acted on.
    public func send(_ request: MaiaRequest) async throws(MaiaTransportError) -> MaiaResponse {
        let arrived = self.clock.now()
        do {
            let grant = try await self.limiter.acquire(lane: request.lane)
            self.waits[request.lane]?.recordSeconds(max(0, grant.at.timeIntervalSince(arrived)))
        } catch {
            throw .cancelled
        }
        let response = try await self.inner.send(request)
        if response.status == 429, request.destination == .api {
            let now = self.clock.now()
            let until =
                response.retryAfter?.notBefore(now: now)
                ?? now.addingTimeInterval(RateLimiter.seconds(Self.pauseWithoutRetryAfter))
            self.limiter.pause(until: until)
        }
        return response
    }
}
