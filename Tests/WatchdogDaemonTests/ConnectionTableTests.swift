import Testing

@testable import WatchdogDaemon

@Suite("Control connections: caps, and the idlest closed to make room")
struct ConnectionTableTests {
    let limits = ConnectionLimits(maximum: 3, perProcess: 2, idleTimeout: .seconds(60))
    let start = ContinuousClock.now

    func at(_ seconds: Double) -> ContinuousClock.Instant { start + .milliseconds(Int(seconds * 1000)) }

    func admitted(_ admission: ConnectionTable<String>.Admission) -> (id: UInt64, evicting: String?)? {
        if case .admitted(let id, let evicting) = admission { return (id, evicting) }
        return nil
    }

    func refusal(_ admission: ConnectionTable<String>.Admission) -> ConnectionTable<String>.Refusal? {
        if case .refused(let refusal) = admission { return refusal }
        return nil
    }

    @Test func perProcessCapRefuses() {
        var table = ConnectionTable<String>()
        #expect(admitted(table.admit(pid: 10, handle: "a", now: at(0), limits: limits))?.evicting == nil)
        #expect(admitted(table.admit(pid: 10, handle: "b", now: at(0), limits: limits)) != nil)
        #expect(
            refusal(table.admit(pid: 10, handle: "c", now: at(5), limits: limits))
                == .tooManyFromProcess(pid: 10, limit: 2))
        #expect(table.total == 2)
    }

    @Test("at the cap the idlest connection makes room; touched ones and recent ones are kept")
    func capClosesTheIdlest() throws {
        var table = ConnectionTable<String>()
        let a = try #require(admitted(table.admit(pid: 1, handle: "a", now: at(0), limits: limits)))
        _ = table.admit(pid: 2, handle: "b", now: at(1), limits: limits)
        let c = try #require(admitted(table.admit(pid: 3, handle: "c", now: at(2), limits: limits)))
        table.touch(a.id, now: at(3))
        // b, idle since 1 s, is the idlest: it goes.
        let d = try #require(admitted(table.admit(pid: 4, handle: "d", now: at(3.5), limits: limits)))
        #expect(d.evicting == "b")
        #expect(table.total == 3)
        #expect(table.count(from: 2) == 0)
        // Everyone active within the last second: refused.
        table.touch(a.id, now: at(3.6))
        table.touch(c.id, now: at(3.6))
        #expect(refusal(table.admit(pid: 5, handle: "e", now: at(4.0), limits: limits)) == .tooMany(limit: 3))
        // d has been idle for exactly a second: it may go.
        #expect(admitted(table.admit(pid: 5, handle: "e", now: at(4.5), limits: limits))?.evicting == "d")
        // Releasing an evicted connection later changes nothing.
        table.release(a.id)
        table.release(a.id)
        #expect(table.total == 2)
    }

    @Test func theDaemonsOwnProbeIsAlwaysLetInAndNeverEvicted() {
        var table = ConnectionTable<String>()
        _ = table.admit(pid: 99, handle: "probe", now: at(0), limits: limits, exempt: true)
        for pid: Int32 in [1, 2, 3] {
            _ = table.admit(pid: pid, handle: "\(pid)", now: at(Double(pid)), limits: limits)
        }
        #expect(table.counted == 3)
        #expect(table.total == 4)
        #expect(admitted(table.admit(pid: 99, handle: "probe2", now: at(1), limits: limits, exempt: true)) != nil)
        // The probe is the idlest, but never the one closed.
        #expect(admitted(table.admit(pid: 4, handle: "d", now: at(10), limits: limits))?.evicting == "1")
    }

    @Test func standardLimitsFollowTheDescriptorLimit() {
        #expect(ConnectionLimits.standard(descriptorLimit: 524_288).maximum == 4096)
        #expect(ConnectionLimits.standard(descriptorLimit: 1024).maximum == 512)
        #expect(ConnectionLimits.standard(descriptorLimit: 256, inUse: 25, reserve: 17).maximum == 128)
        // Only the room beside what is open, the headroom and Maia's pool: 300 − 25 − 64 − 17.
        #expect(ConnectionLimits.standard(descriptorLimit: 300, inUse: 25, reserve: 17).maximum == 150)
        #expect(ConnectionLimits.standard(descriptorLimit: 40, inUse: 21, reserve: 17).maximum == 4)
        #expect(ConnectionLimits.standard(descriptorLimit: 1024).perProcess == 64)
        #expect(ConnectionLimits.standard(descriptorLimit: 1024).idleTimeout == .seconds(60))
    }
}
