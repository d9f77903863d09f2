/// A refusal sent back on the control socket: `{"ok":false,"error":CODE,"message":…}`.
public struct ControlError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The contract's error codes.
    public enum Code: String, Sendable, CaseIterable {
        case badRequest = "bad_request"
        case invalidTaskID = "invalid_task_id"
        case notAllowed = "not_allowed"
        case unknownTask = "unknown_task"
        case lineTooLong = "line_too_long"
        case permissionDenied = "permission_denied"
        case unavailable
    }

    public var code: Code
    /// Human text; never carries a secret.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
