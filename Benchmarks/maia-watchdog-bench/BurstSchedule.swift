/// When the client-side rate limit (`[api] max_requests_per_minute`, docs/policy.md) lets calls go that all ask at
/// once with a full bucket: the bucket's burst of `max(1, min(rate / 10, 1000 − rate))` back to back, then one every
/// 60 / rate seconds until the minute's `rate` are spent, then the next minute's burst when the first one's calls
/// leave the 60-second window, and so on. 5,000 at 900 a minute: the last goes (5000 − 90) / 15 ≈ 327.3 s after the
/// first.
struct BurstSchedule {
    let ratePerMinute: Int

    /// The bucket's burst (90 at 900 a minute).
    var burst: Int { max(1, min(ratePerMinute / 10, 1000 - ratePerMinute)) }

    /// Seconds after the first call at which call `index` (from 0) may go.
    func offset(of index: Int) -> Double {
        let minute = index / ratePerMinute
        let place = index % ratePerMinute
        let inMinute = place < burst ? 0 : Double(place - burst + 1) * 60 / Double(ratePerMinute)
        return 60 * Double(minute) + inMinute
    }
}

/// What the stand-in saw in one run of the burst scenario, in wall-clock seconds.
struct BurstRun {
    var confirm: Bool
    /// The instant every deadline passed.
    var deadline: Double
    /// When the last watch was acknowledged.
    var acked: Double
    /// Every stop call's arrival, sorted.
    var stops: [Double]
    /// Tasks with at least one stop call.
    var stoppedTasks: Int
    /// Every task read's arrival, sorted.
    var reads: [Double]
    /// Tasks with at least one read.
    var readTasks: Int

    var label: String { confirm ? "confirm on" : "confirm off" }
    var first: Double { stops.first ?? 0 }
    var last: Double { stops.last ?? 0 }
    var spread: Double { last - first }

    /// Seconds from the first stop call to call `index` (from 0).
    func offset(of index: Int) -> Double { stops[index] - first }

    /// Reads that arrived from the first stop call to the last one, and after it.
    var readsDuringAndAfter: (during: Int, after: Int) {
        let during = reads.filter { $0 >= first && $0 <= last }.count
        return (during, reads.filter { $0 > last }.count)
    }

    /// Reads inside the stop window that arrived less than a second after a whole minute from the first stop, when
    /// the 60-second window lets a new burst go: more tokens at once than stops are waiting for (at most
    /// `max_in_flight`), so waiting reads take the rest.
    var readsAtMinuteOpenings: Int {
        reads.filter { $0 > first + 1 && $0 <= last && ($0 - first).truncatingRemainder(dividingBy: 60) < 1 }.count
    }

    /// The most requests (stops and reads) that arrived within any 60 seconds.
    var mostInAMinute: Int {
        let all = (stops + reads).sorted()
        var most = 0
        var start = 0
        for end in all.indices {
            while all[end] - all[start] >= 60 { start += 1 }
            most = max(most, end - start + 1)
        }
        return most
    }

    /// The call furthest behind `expected` (seconds after the first call, by index): how far, and its index.
    func latestBehind(_ expected: (Int) -> Double) -> (seconds: Double, index: Int) {
        var worst = (seconds: -Double.infinity, index: 0)
        for index in stops.indices {
            let behind = offset(of: index) - expected(index)
            if behind > worst.seconds { worst = (behind, index) }
        }
        return worst
    }
}
