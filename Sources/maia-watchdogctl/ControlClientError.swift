/// Why a command did not get its job done, with the exit status the contract gives each case.
enum ControlClientError: Error, CustomStringConvertible {
    /// The daemon answered `{"ok":false,"error":CODE,"message":...}`.
    case refused(code: String, message: String)
    /// The daemon could not be reached at `path`, or did not answer in time.
    case unreachable(path: String, reason: ControlSocketError, timeout: Double)
    /// The daemon's answer was not a response of the control protocol.
    case unusableResponse(path: String, reason: String)

    /// 1 for a refusal, 3 for an unreachable daemon or an unusable answer.
    var exitStatus: Int32 {
        switch self {
        case .refused:
            ExitStatus.refused
        case .unreachable, .unusableResponse:
            ExitStatus.unreachable
        }
    }

    /// The text after `maia-watchdogctl: ` on stderr; for a refusal, `CODE: message`.
    var description: String {
        switch self {
        case .refused(let code, let message):
            message.isEmpty ? code : "\(code): \(message)"
        case .unreachable(let path, .timedOut, let timeout):
            "no answer from the daemon at \(path) within \(OutputRenderer.seconds(timeout)) s"
        case .unreachable(let path, let reason, _):
            "cannot reach the daemon at \(path): \(reason)"
        case .unusableResponse(let path, let reason):
            "unusable answer from the daemon at \(path): \(reason)"
        }
    }
}
