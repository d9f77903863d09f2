/// The open connections, counted in all and per process: the pure admission decision of ``ConnectionLimits``.
struct ConnectionCounts: Sendable {
    /// Why a connection was turned away.
    enum Refusal: Equatable, Sendable {
        case tooMany(limit: Int)
        case tooManyFromProcess(pid: Int32, limit: Int)

        var message: String {
            switch self {
            case .tooMany(let limit):
                return "too many control connections (\(limit) open); closing, try again later"
            case .tooManyFromProcess(let pid, let limit):
                return "too many control connections from pid \(pid) (\(limit) open); closing"
            }
        }
    }

    private(set) var total = 0
    private var byProcess: [Int32: Int] = [:]

    /// Counts a new connection from `pid` and returns `nil`, or returns why it is refused (and counts nothing).
    /// `exempt` connections (the daemon's own probe) are always let in and counted.
    mutating func admit(pid: Int32, limits: ConnectionLimits, exempt: Bool = false) -> Refusal? {
        let fromProcess = byProcess[pid, default: 0]
        if !exempt {
            if total >= limits.maximum { return .tooMany(limit: limits.maximum) }
            if fromProcess >= limits.perProcess { return .tooManyFromProcess(pid: pid, limit: limits.perProcess) }
        }
        total += 1
        byProcess[pid] = fromProcess + 1
        return nil
    }

    /// Forgets a connection that `admit` let in.
    mutating func release(pid: Int32) {
        total -= 1
        let left = byProcess[pid, default: 1] - 1
        byProcess[pid] = left > 0 ? left : nil
    }

    func count(from pid: Int32) -> Int { byProcess[pid, default: 0] }
}
