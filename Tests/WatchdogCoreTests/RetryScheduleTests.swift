import Testing

@testable import WatchdogCore

@Suite("RetrySchedule")
struct RetryScheduleTests {
    let schedule = RetrySchedule(initialBackoff: .seconds(1), maxBackoff: .seconds(60), multiplier: 2.0)

    @Test func ceilingsFollowTheDocumentedTable() {
        let ceilings = (1...9).map { schedule.ceiling(afterAttempt: $0) }
        #expect(
            ceilings == [
                .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(16), .seconds(32), .seconds(60),
                .seconds(60), .seconds(60),
            ])
        #expect(schedule.ceiling(afterAttempt: 10_000) == .seconds(60))
    }

    @Test func delaysAreExactForASeed() {
        var rng = SplitMix64(seed: 2024)
        let delays = (1...4).map { schedule.delay(afterAttempt: $0, using: &rng) }
        var replay = SplitMix64(seed: 2024)
        let expected = (1...4).map { attempt -> Duration in
            let ceiling = schedule.ceiling(afterAttempt: attempt).totalNanoseconds
            return .nanoseconds(Int64.random(in: 0...ceiling, using: &replay))
        }
        #expect(delays == expected)
        // Pinned values, so that a change to the generator or to how a delay is drawn from it shows here (the
        // replay above would follow such a change).
        #expect(
            delays == [
                .nanoseconds(622_765_537), .nanoseconds(194_463_817), .nanoseconds(1_194_304_644),
                .nanoseconds(929_493_845),
            ])
        for (index, delay) in delays.enumerated() {
            #expect(delay >= .zero)
            #expect(delay <= schedule.ceiling(afterAttempt: index + 1))
        }
    }

    @Test func jitterCoversTheRange() {
        var rng = SplitMix64(seed: 9)
        let samples = (0..<2000).map { _ in schedule.delay(afterAttempt: 3, using: &rng) }
        #expect(samples.min()! < .milliseconds(400))
        #expect(samples.max()! > .milliseconds(3600))
        #expect(samples.allSatisfy { $0 <= .seconds(4) })
    }

    @Test func fractionalMultiplier() {
        let gentle = RetrySchedule(initialBackoff: .milliseconds(100), maxBackoff: .seconds(1), multiplier: 1.5)
        #expect(gentle.ceiling(afterAttempt: 1) == .milliseconds(100))
        #expect(gentle.ceiling(afterAttempt: 2) == .milliseconds(150))
        #expect(gentle.ceiling(afterAttempt: 3) == .milliseconds(225))
    }

    @Test func splitMix64IsDeterministic() {
        var a = SplitMix64(seed: 1)
        var b = SplitMix64(seed: 1)
        #expect((0..<5).map { _ in a.next() } == (0..<5).map { _ in b.next() })
        var c = SplitMix64(seed: 0)
        #expect(c.next() == 0xE220_A839_7B1D_CDAF)
    }
}
