import Testing

@testable import WatchdogDaemon

@Suite("Control connections: caps in all and per process")
struct ConnectionCountsTests {
    let limits = ConnectionLimits(maximum: 3, perProcess: 2, idleTimeout: .seconds(60))

    @Test func capsPerProcessThenInAllAndFreesOnRelease() {
        var counts = ConnectionCounts()
        #expect(counts.admit(pid: 10, limits: limits) == nil)
        #expect(counts.admit(pid: 10, limits: limits) == nil)
        #expect(counts.admit(pid: 10, limits: limits) == .tooManyFromProcess(pid: 10, limit: 2))
        #expect(counts.admit(pid: 11, limits: limits) == nil)
        #expect(counts.total == 3)
        #expect(counts.admit(pid: 12, limits: limits) == .tooMany(limit: 3))
        // A refusal counts nothing.
        #expect(counts.total == 3)
        counts.release(pid: 10)
        #expect(counts.count(from: 10) == 1)
        #expect(counts.admit(pid: 12, limits: limits) == nil)
        #expect(counts.admit(pid: 12, limits: limits) == .tooMany(limit: 3))
    }

    @Test func theDaemonsOwnProbeIsNeverRefusedButCounts() {
        var counts = ConnectionCounts()
        for pid: Int32 in [1, 2, 3] { #expect(counts.admit(pid: pid, limits: limits) == nil) }
        #expect(counts.admit(pid: 99, limits: limits, exempt: true) == nil)
        #expect(counts.total == 4)
        counts.release(pid: 99)
        #expect(counts.count(from: 99) == 0)
        #expect(counts.admit(pid: 4, limits: limits) == .tooMany(limit: 3))
    }

    @Test func standardLimitsFollowTheDescriptorLimit() {
        #expect(ConnectionLimits.standard(descriptorLimit: 524_288).maximum == 4096)
        #expect(ConnectionLimits.standard(descriptorLimit: 1024).maximum == 512)
        #expect(ConnectionLimits.standard(descriptorLimit: 20).maximum == 16)
        #expect(ConnectionLimits.standard(descriptorLimit: 1024).perProcess == 64)
        #expect(ConnectionLimits.standard(descriptorLimit: 1024).idleTimeout == .seconds(60))
    }
}
