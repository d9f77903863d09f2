/// The open control connections and who may open another: the pure admission decision of ``ConnectionLimits``.
///
/// At the per-process cap a new connection is refused. At the cap on all connections, the one idle longest (at least
/// `minimumIdleToEvict`) is closed to make room, so a flood of idle connections from many processes cannot lock a
/// legitimate client out: clients that do their work come and go, the flood's connections are the ones left idle.
/// Only when every connection is busy is the new one refused.
struct ConnectionTable<Handle: Sendable>: Sendable {
    /// Why a connection was turned away.
    enum Refusal: Equatable, Sendable {
        case tooMany(limit: Int)
        case tooManyFromProcess(pid: Int32, limit: Int)

        var message: String {
            switch self {
            case .tooMany(let limit):
                return "too many control connections (\(limit) open, all busy); closing, try again later"
            case .tooManyFromProcess(let pid, let limit):
                return "too many control connections from pid \(pid) (\(limit) open); closing"
            }
        }
    }

    /// What to do with a new connection.
    enum Admission: Sendable {
        /// Serve it as `id`; close `evicting` first (the longest idle connection) when there is one.
        case admitted(id: UInt64, evicting: Handle?)
        case refused(Refusal)
    }

    /// A connection idle for less than this is never closed to make room (two busy clients must not take turns
    /// closing each other).
    static var minimumIdleToEvict: Duration { .seconds(1) }

    private struct Entry: Sendable {
        var pid: Int32
        var lastActive: ContinuousClock.Instant
        var handle: Handle
        var exempt: Bool
    }

    private var entries: [UInt64: Entry] = [:]
    private var byProcess: [Int32: Int] = [:]
    private var nextID: UInt64 = 0
    /// Connections that count against `maximum` (the exempt ones do not).
    private(set) var counted = 0

    var total: Int { entries.count }

    func count(from pid: Int32) -> Int { byProcess[pid, default: 0] }

    /// Decides on a new connection from `pid` at `now`. `exempt` connections (the daemon's own watchdog probe) are
    /// always let in and never closed to make room.
    mutating func admit(
        pid: Int32, handle: Handle, now: ContinuousClock.Instant, limits: ConnectionLimits, exempt: Bool = false
    ) -> Admission {
        var evicting: Handle?
        if !exempt {
            if count(from: pid) >= limits.perProcess {
                return .refused(.tooManyFromProcess(pid: pid, limit: limits.perProcess))
            }
            if counted >= limits.maximum {
                let idlest = entries.filter { !$0.value.exempt }.min { $0.value.lastActive < $1.value.lastActive }
                guard let idlest, now - idlest.value.lastActive >= Self.minimumIdleToEvict else {
                    return .refused(.tooMany(limit: limits.maximum))
                }
                evicting = idlest.value.handle
                release(idlest.key)
            }
        }
        let id = nextID
        nextID += 1
        entries[id] = Entry(pid: pid, lastActive: now, handle: handle, exempt: exempt)
        byProcess[pid, default: 0] += 1
        if !exempt { counted += 1 }
        return .admitted(id: id, evicting: evicting)
    }

    /// The connection brought a line or was given an answer.
    mutating func touch(_ id: UInt64, now: ContinuousClock.Instant) {
        entries[id]?.lastActive = now
    }

    /// Forgets a connection (closed, or already closed to make room: then nothing happens).
    mutating func release(_ id: UInt64) {
        guard let entry = entries.removeValue(forKey: id) else { return }
        let left = byProcess[entry.pid, default: 1] - 1
        byProcess[entry.pid] = left > 0 ? left : nil
        if !entry.exempt { counted -= 1 }
    }
}
